"""Benchmarks: each module named bench_*.py measures Lien against a baseline in the same run."""
