"""A small in-process rate limiter for public pages (per worker process).

It keeps, per key, the times of recent requests in a sliding window. Good enough to stop a
script from walking the verification codes; each gunicorn worker counts on its own.
"""

from __future__ import annotations

import threading
import time
from collections import deque

_hits: dict[str, deque] = {}
_lock = threading.Lock()
_MAX_KEYS = 10_000


def allow(key: str, limit: int, per_seconds: float) -> bool:
    """Record a request under ``key``; False when it is over ``limit`` in the window."""
    now = time.monotonic()
    with _lock:
        if len(_hits) > _MAX_KEYS:  # forget the quiet ones rather than grow for ever
            for stale in [k for k, q in _hits.items() if not q or now - q[-1] > per_seconds]:
                del _hits[stale]
        window = _hits.setdefault(key, deque())
        while window and now - window[0] > per_seconds:
            window.popleft()
        if len(window) >= limit:
            return False
        window.append(now)
        return True


def reset() -> None:
    with _lock:
        _hits.clear()
