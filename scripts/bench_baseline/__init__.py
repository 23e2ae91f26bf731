"""Benchmark baseline: a no-op Python worker built and served exactly like the real ones."""
