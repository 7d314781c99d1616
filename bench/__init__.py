"""Reproducible benchmarks: each ``bench_*.py`` is one command that prints its figures and
writes its own section of ``bench/RESULTS.md``."""
