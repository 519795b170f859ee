"""``--testmon-shard K/N``: the K-th of N shards of the selected tests.

Every job of a CI matrix decides the same selection from the same data file and the
same checkout, then keeps its own part of it. The parts are balanced by the durations
the data file recorded (a test without one counts as the median), by the greedy
longest-first rule: each test, longest first, goes to the shard with the least time so
far. That makes the shards differ by at most the longest test's duration, and it
depends on nothing but the node ids and durations (no ``hash()``, no order of
collection), so every job computes the same split.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass
from typing import Iterable, Mapping

_SPEC = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")
UNKNOWN_DEFAULT = 1.0  # seconds, for every test when no duration at all is recorded


class ShardSpecError(ValueError):
    pass


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based, as written: K of K/N
    count: int  # N

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @classmethod
    def parse(cls, text: str) -> Shard:
        found = _SPEC.fullmatch(text)
        if found is None:
            raise ShardSpecError(
                f"--testmon-shard {text!r}: expected K/N, the K-th of N shards with "
                "1 <= K <= N (e.g. 2/4)"
            )
        index, count = int(found.group(1)), int(found.group(2))
        if not 1 <= index <= count:
            raise ShardSpecError(
                f"--testmon-shard {text}: K/N needs 1 <= K <= N (e.g. 2/4 for the second "
                "of four shards)"
            )
        return cls(index, count)

    def pick(self, nodeids: Iterable[str], durations: Mapping[str, float]) -> set[str]:
        """The node ids of this shard."""
        mine = self.index - 1
        return {n for n, k in split(nodeids, durations, self.count).items() if k == mine}


def weights(nodeids: Iterable[str], durations: Mapping[str, float]) -> dict[str, float]:
    """Each test's expected duration: recorded, or the median of those recorded."""
    known = sorted(d for d in durations.values() if d > 0)
    half = len(known) // 2
    if not known:
        default = UNKNOWN_DEFAULT
    else:  # the median (statistics costs an import at every pytest start-up)
        default = known[half] if len(known) % 2 else (known[half - 1] + known[half]) / 2
    out = {}
    for nodeid in nodeids:
        recorded = durations.get(nodeid)
        out[nodeid] = recorded if recorded is not None and recorded > 0 else default
    return out


def split(nodeids: Iterable[str], durations: Mapping[str, float], count: int) -> dict[str, int]:
    """{node id: its shard, 0-based}: longest first, each to the least loaded shard
    (ties: the lower shard; equal durations: by node id)."""
    expected = weights(nodeids, durations)
    order = sorted(expected, key=lambda n: (-expected[n], n))
    loads = [(0.0, k) for k in range(count)]  # a heap of (time so far, shard)
    out = {}
    for nodeid in order:
        load, k = heapq.heappop(loads)
        out[nodeid] = k
        heapq.heappush(loads, (load + expected[nodeid], k))
    return out


def loads(nodeids: Iterable[str], durations: Mapping[str, float], count: int) -> list[float]:
    """The expected time of each shard (for the benchmark and the tests)."""
    expected = weights(list(nodeids), durations)
    out = [0.0] * count
    for nodeid, k in split(expected, durations, count).items():
        out[k] += expected[nodeid]
    return out
