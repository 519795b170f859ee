"""Benchmarks of pytest-ripple against plain pytest and pytest-testmon 2.2.0.

``uv run python -m benchmarks`` runs the speed/size harness (``benchmarks/run.py``);
``uv run python -m benchmarks.mutation`` runs the selection-safety check;
``uv run python -m benchmarks.replay REPO`` replays a repository's commits
(``benchmarks/replay.py``). Everything they download or build lives in
``benchmarks/_work`` (git-ignored).
"""
