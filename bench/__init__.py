"""Benchmarks of liveblog. Never part of the test suite: run them with ``bench/run``."""
