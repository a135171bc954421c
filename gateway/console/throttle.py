"""Failed sign-ins held back. The console keeps two: one per login (guessing one operator's
password) and a looser one per client address (trying many logins from one place; the
town hall's staff may share one address behind its router)."""

from __future__ import annotations

from collections import deque

_MAX_KEYS = 50_000


class LoginThrottle:
    def __init__(self, failures: int, hold_seconds: float) -> None:
        self.failures = failures
        self.hold = hold_seconds
        self._failed: dict[str, deque[float]] = {}

    def __len__(self) -> int:
        """How many keys have failures on record."""
        return len(self._failed)

    def held_for(self, key: str, now: float) -> float:
        """Seconds until `key` may try again; 0 when it may try now."""
        found = self._failed.get(key)
        if found is None:
            return 0.0
        while found and now - found[0] > self.hold:
            found.popleft()
        if not found:
            del self._failed[key]
            return 0.0
        if len(found) < self.failures:
            return 0.0
        return max(0.0, found[-self.failures] + self.hold - now)

    def failed(self, key: str, now: float) -> None:
        if key not in self._failed and len(self._failed) >= _MAX_KEYS:
            # a flood of made-up logins must not grow the table without end
            for old in list(self._failed)[: _MAX_KEYS // 5]:
                del self._failed[old]
        self._failed.setdefault(key, deque(maxlen=self.failures)).append(now)

    def succeeded(self, key: str) -> None:
        self._failed.pop(key, None)
