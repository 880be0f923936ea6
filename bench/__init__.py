"""Benchmarks and the generated corpus they run on (not part of the installed package)."""
