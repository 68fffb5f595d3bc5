"""The PEP 517 build backend: setuptools' own, plus mypy as a build requirement when the
compiled build is asked for (``ZEROSORRY_COMPILE=1``; see setup.py).  Under pip's build
isolation this is how mypyc reaches the build, and a pure install pulls in nothing extra
(the pattern setuptools documents for dynamic build dependencies)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403  (the backend's other hooks, unchanged)

MYPY = "mypy>=1.10"
ONLY_REQUIRES = "_ZEROSORRY_BUILD_REQUIREMENTS_ONLY"


def _extra() -> list[str]:
    return [MYPY] if os.environ.get("ZEROSORRY_COMPILE", "") not in ("", "0") else []


@contextlib.contextmanager
def _requirements_only() -> Iterator[None]:
    """setuptools runs setup.py to collect the requirements (before mypy is installed) and the
    metadata: neither needs the compiled modules, which setup.py then leaves out (only these
    hooks set the variable)."""
    os.environ[ONLY_REQUIRES] = "1"
    try:
        yield
    finally:
        del os.environ[ONLY_REQUIRES]


def get_requires_for_build_wheel(config_settings=None):  # type: ignore[no-untyped-def]
    with _requirements_only():
        return _setuptools.get_requires_for_build_wheel(config_settings) + _extra()


def get_requires_for_build_editable(config_settings=None):  # type: ignore[no-untyped-def]
    with _requirements_only():
        return _setuptools.get_requires_for_build_editable(config_settings) + _extra()


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):  # type: ignore[no-untyped-def]
    with _requirements_only():
        return _setuptools.prepare_metadata_for_build_wheel(metadata_directory, config_settings)


def prepare_metadata_for_build_editable(metadata_directory, config_settings=None):  # type: ignore[no-untyped-def]
    with _requirements_only():
        return _setuptools.prepare_metadata_for_build_editable(metadata_directory, config_settings)
