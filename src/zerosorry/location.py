"""Where a finding points: one value (file, line, column) that every finding carries and every
reporter renders, so that no finding re-declares its own file and line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file, relative to the project root when inside it; ``line`` and ``column``
    count from 1 and may be unknown."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}" + (f":{self.column}" if self.column is not None else "")


def location(file: str | None, line: int | None = None, column: int | None = None) -> Location | None:
    """A location, or None when the file is unknown."""
    return None if file is None else Location(file, line, column)
