"""``python -m pytest_ripple COMMAND``: the same as the ``pytest-ripple`` script."""

from __future__ import annotations

from pytest_ripple.cli import main

raise SystemExit(main())
