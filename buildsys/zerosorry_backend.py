"""The PEP 517 build backend: setuptools' own, plus mypy as a build requirement when the
compiled build is asked for (``ZEROSORRY_COMPILE=1``; see setup.py).  Under pip's build
isolation this is how mypyc reaches the build, and a pure install pulls in nothing extra
(the pattern setuptools documents for dynamic build dependencies)."""

from __future__ import annotations

import os

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403  (the backend's other hooks, unchanged)

MYPY = "mypy>=1.10"


def _extra() -> list[str]:
    return [MYPY] if os.environ.get("ZEROSORRY_COMPILE", "") not in ("", "0") else []


def get_requires_for_build_wheel(config_settings=None):  # type: ignore[no-untyped-def]
    return _setuptools.get_requires_for_build_wheel(config_settings) + _extra()


def get_requires_for_build_editable(config_settings=None):  # type: ignore[no-untyped-def]
    return _setuptools.get_requires_for_build_editable(config_settings) + _extra()
