"""zerosorry: a Lean 4 project's proof-status ledger, living appendix and CI gate."""

from .engine import check as _check_engine

__version__ = "0.1.0"

# a compiled module built from another version of its source would silently run old code
_check_engine()
