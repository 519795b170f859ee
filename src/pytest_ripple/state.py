"""What the role objects of one run share: settings, the store, the decision, and
what was collected, imported and read. Each role owns its own working state."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pytest_ripple.decision import Decision
from pytest_ripple.errors import RippleWarning
from pytest_ripple.options import Settings
from pytest_ripple.paths import Conftests
from pytest_ripple.recorder import Resolver
from pytest_ripple.store import Store


@dataclass
class RunState:
    config: pytest.Config
    settings: Settings
    rootdir: Path
    resolver: Resolver
    conftests: Conftests
    store: Store | None = None
    decision: Decision = field(default_factory=Decision)
    engine: str = ""  # the tracking engine of this process, if it tracks
    engine_reason: str = ""
    # tests collected in this run (under xdist: by the workers)
    collected: set[str] = field(default_factory=set)
    # import-time facts, gathered here and (under xdist) from the workers
    import_run: set[tuple[str, str]] = field(default_factory=set)  # (file, function)
    import_reads: set[tuple[str, str]] = field(default_factory=set)  # (data file, module)
    worker_modules: set[str] = field(default_factory=set)
    # what each module's import ran, from the workers: {module: [(file, block)]}
    module_records: dict[str, set[tuple[str, str]]] = field(default_factory=dict)

    @classmethod
    def create(cls, config: pytest.Config, settings: Settings) -> RunState:
        root = config.rootpath
        return cls(config, settings, root, Resolver(root), Conftests(root))

    def warn(self, message: str) -> None:
        """A warning pytest shows in its summary, subject to -W and filterwarnings."""
        self.config.issue_config_time_warning(RippleWarning(message), stacklevel=2)

    def take_module_records(self) -> dict[str, set[tuple[str, str]]]:
        records, self.module_records = self.module_records, {}
        return records

    def close_store(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None
