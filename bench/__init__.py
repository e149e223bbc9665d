"""Benchmarks. ``make bench`` (``python -m bench``) runs every one of them from a fresh clone and
writes docs/benchmarks.md; the figures are never part of the CI pass/fail."""
