"""The project's tooling: benchmarks, the fair-day drill and the README's screenshots.

It may import every layer of the product (`scheduler`, `fair`, `realtime`, `web`), and
nothing in those layers imports it (tests/test_layers.py). It reaches the `fair` command
line through the `fair.commands` entry points in pyproject.toml (`bench.cli`).
"""
