"""The two builds of this checkout's engine side by side, for a bench or a test: its package
sources copied (never a compiled or generated file), once as they are (pure Python) and once
compiled with mypyc through setup.py (``ZEROSORRY_COMPILE=1``), each under a folder of its own
to put first on ``PYTHONPATH``.  Never built in place: an extension shadows the ``.py`` beside it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def copy_sources(dest: Path) -> Path:
    """This checkout's ``src/zerosorry`` (no compiled or generated files) under ``dest/src``;
    returns ``dest/src``."""
    skip = shutil.ignore_patterns("__pycache__", "*.so", "*.pyd", "_compiled.py")
    shutil.copytree(REPO / "src" / "zerosorry", dest / "src" / "zerosorry", ignore=skip)
    return dest / "src"


def build_compiled(dest: Path, opt: str = "3") -> Path:
    """The compiled build, made in ``dest`` (setup.py's in-place build of a copy, at C
    optimisation level ``opt``); returns the folder to put on ``PYTHONPATH``.  Raises
    RuntimeError with the build's output when it fails."""
    src = copy_sources(dest)
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, dest / name)
    env = {**os.environ, "ZEROSORRY_COMPILE": "1", "ZEROSORRY_COMPILE_OPT": opt}
    env.pop("PYTHONPATH", None)
    done = subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--inplace"], cwd=dest, env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"compiled build failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return src
