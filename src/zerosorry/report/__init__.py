"""Reporters: turn ledgers and diagnostics (data) into text, Markdown or JSON."""
