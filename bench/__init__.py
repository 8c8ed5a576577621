"""Benchmarks of policykg: scripts (python bench/NAME.py) and ``python -m bench scale`` (bench/scale.py)."""
