"""Writing the lab's outputs: whole or not at all."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: str | Path, write: Callable[[str], object]) -> None:
    """Call ``write(tmp)`` on a sibling temporary path, then move it onto ``path``: a reader never
    sees half a file, and a failure leaves the old one.  The temporary file is created by
    ``write`` itself (not ``mkstemp``), so it gets the umask's mode like any file the user writes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = str(path.parent / f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
