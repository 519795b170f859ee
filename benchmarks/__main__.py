"""``python -m benchmarks``: the speed and size harness (see ``benchmarks/run.py``)."""

from __future__ import annotations

from benchmarks.run import main

raise SystemExit(main())
