"""The server's cache of recent problems' tests. Stdlib only."""
from __future__ import annotations

from collections import OrderedDict

MB = 1 << 20


class TestCache:
    """Tests of recent problems, by the host's key, so n samples of one problem send its tests once."""

    LIMIT_BYTES = 128 * MB

    def __init__(self) -> None:
        self._tests: OrderedDict[str, list] = OrderedDict()
        self._sizes: dict[str, int] = {}

    def get(self, key: str) -> list | None:
        if key in self._tests:
            self._tests.move_to_end(key)
            return self._tests[key]
        return None

    def __contains__(self, key: str) -> bool:
        return key in self._tests

    def put(self, key: str, tests: list) -> None:
        size = sum(len(t.get("input", "")) + len(t.get("output", "")) for t in tests)
        if size > self.LIMIT_BYTES // 2 or key in self._tests:
            return
        self._tests[key], self._sizes[key] = tests, size
        while sum(self._sizes.values()) > self.LIMIT_BYTES:
            oldest, _ = self._tests.popitem(last=False)
            del self._sizes[oldest]
