"""Exceptions that the CLI turns into exit code 2 with a one-line reason."""

from __future__ import annotations


class InputError(Exception):
    """Bad usage or unreadable input: the message names what is wrong (file:line:column if any)."""
