"""Benchmarks of Vigie (``make bench``)."""
