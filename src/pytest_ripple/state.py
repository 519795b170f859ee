"""What the role objects of one run share: settings, the store, the decision, and
what was collected, imported and read. Each role owns its own working state."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import pytest

from pytest_ripple.decision import Decision
from pytest_ripple.errors import RippleWarning
from pytest_ripple.options import Settings
from pytest_ripple.paths import Conftests
from pytest_ripple.recorder import Resolver
from pytest_ripple.store import Store


@dataclass
class Tally:
    """What selection did with the collected tests: the counts of the status line.
    Made where tests are collected (without xdist, or on a worker, which sends it to
    the controller), so they mean the same with and without xdist."""

    collected: int = 0
    affected: int = 0  # collected tests this run selects (changed, new, failed, pending)
    left_out: int = 0  # of those, the ones other filters removed (-m, -k, --lf ...)
    filters: str = ""  # the filters in effect, e.g. '-m "not slow" (addopts)'
    outside: int = 0  # affected known tests in files not collected (paths given)
    running: int = 0
    deselected: int = 0  # by us
    engine: str = ""  # the tracking engine of the process that collected
    engine_reason: str = ""
    reasons: dict[str, str] = field(default_factory=dict)  # with -v: selected -> why
    shard: str = ""  # --testmon-shard K/N
    shard_pool: int = 0  # the tests selected before sharding (running: this shard's)
    # affected tests left to other shards -> why: pending in this job's data
    shard_out: dict[str, str] = field(default_factory=dict)

    def to_doc(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Tally:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in doc.items() if k in known})


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
    tally: Tally | None = None  # after collection (on an xdist controller: a worker's)
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

    def saved_seconds(self) -> float:
        """The recorded durations of the known tests this run deselected as unaffected
        (not those another filter or shard left out)."""
        if not self.settings.select:
            return 0.0
        decision, saved = self.decision, 0.0
        for nodeid in decision.deselect:
            row = decision.known.get(nodeid)
            if row is not None and nodeid in self.collected and nodeid not in decision.affected:
                saved += row.duration
        return saved

    def take_module_records(self) -> dict[str, set[tuple[str, str]]]:
        records, self.module_records = self.module_records, {}
        return records

    def close_store(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None

    def release(self) -> None:
        """At the end of the session: the stored rows of every known test (and the
        file rows) are garbage that pytest's last ``gc.collect()`` would walk."""
        self.close_store()
        self.decision = Decision()
        self.collected = set()
        self.resolver.stored = {}
