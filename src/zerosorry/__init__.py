"""zerosorry: a Lean 4 project's proof-status ledger, living appendix and CI gate."""

__version__ = "0.1.0"
