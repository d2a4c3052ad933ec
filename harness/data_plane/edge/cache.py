"""The edge's in-memory cache: keys built from a cache policy, a bounded LRU store, purges."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import unquote_plus

from harness.data_plane.edge.cache_policy import CachePolicy

Headers = Sequence[tuple[str, str]]


def query_pairs(raw_query: str) -> list[tuple[str, str]]:
    pairs = []
    for piece in raw_query.split("&"):
        if piece:
            name, _, value = piece.partition("=")
            pairs.append((unquote_plus(name), unquote_plus(value)))
    return pairs


def cookie_pairs(headers: Headers) -> list[tuple[str, str]]:
    pairs = []
    for name, value in headers:
        if name == "cookie":
            for piece in value.split(";"):
                cookie, sep, cookie_value = piece.strip().partition("=")
                if sep and cookie:
                    pairs.append((cookie, cookie_value))
    return pairs


def normalised_accept_encoding(policy: CachePolicy, headers: Headers) -> str:
    """CloudFront's normalised Accept-Encoding: `br,gzip`, `gzip` or nothing."""
    accepted: set[str] = set()
    for name, value in headers:
        if name == "accept-encoding":
            for token in value.split(","):
                coding, _, params = token.strip().partition(";")
                if params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
                    accepted.add(coding.strip().lower())
    codings = []
    if policy.accept_encoding_brotli and "br" in accepted:
        codings.append("br")
    if policy.accept_encoding_gzip and "gzip" in accepted:
        codings.append("gzip")
    return ",".join(codings)


def cache_key(policy: CachePolicy, path: str, raw_query: str, headers: Headers) -> tuple:
    """The values CloudFront keys on: the path plus what the policy names, order-insensitive."""
    queries = sorted(p for p in query_pairs(raw_query) if policy.query_strings.includes(p[0]))
    picked_headers = sorted(
        (n, v) for n, v in headers if n != "cookie" and policy.headers.includes(n)
    )
    cookies = sorted(p for p in cookie_pairs(headers) if policy.cookies.includes(p[0]))
    return (
        path,
        tuple(queries),
        tuple(picked_headers),
        tuple(cookies),
        normalised_accept_encoding(policy, headers),
    )


@dataclass(frozen=True)
class CachedResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    stored_at: float
    ttl: float
    path: str = field(default="/")
    query: str = ""  # the query strings in the cache key, sorted by name

    def age(self, now: float | None = None) -> int:
        return int((now if now is not None else time.monotonic()) - self.stored_at)

    def fresh(self, now: float | None = None) -> bool:
        return (now if now is not None else time.monotonic()) - self.stored_at < self.ttl

    def header(self, name: str) -> str | None:
        return next((v for n, v in self.headers if n == name), None)


def invalidation_matches(invalidation_path: str, path: str, query: str = "") -> bool:
    """CloudFront invalidation paths [invalidation-specifying-objects]: exact, or a prefix when
    they end in `*`. An object cached with query strings in its key is named with them
    (`/a.js?v=2`, in any order); a path without `?` names only the object cached without."""
    uri = f"{path}?{query}" if query else path
    if invalidation_path.endswith("*"):
        return uri.startswith(invalidation_path[:-1])
    wanted_path, _, wanted_query = invalidation_path.partition("?")
    return wanted_path == path and sorted(query_pairs(wanted_query)) == sorted(query_pairs(query))


PURGE_MEMORY = 120.0  # longer than any origin fetch may take


class ResponseCache:
    """LRU by entries and bytes; safe to use from the event loop and the config poller."""

    def __init__(self, *, max_entries: int = 2_000, max_bytes: int = 128 << 20) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_object_bytes = max_bytes // 8
        self._entries: OrderedDict[tuple, CachedResponse] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        # Recent purges: a response fetched before a purge must not be stored after it.
        self._purges: list[tuple[float, tuple[str, ...]]] = []

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple) -> CachedResponse | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: CachedResponse) -> bool:
        if len(entry.body) > self.max_object_bytes:
            return False
        with self._lock:
            if self._purged_since(entry):
                return False
            self._drop(key)
            self._entries[key] = entry
            self._bytes += len(entry.body)
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))
        return True

    def refresh(self, key: tuple, stored_at: float, ttl: float) -> CachedResponse | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            entry = replace(entry, stored_at=stored_at, ttl=ttl)
            self._entries[key] = entry
            return entry

    def purge(self, invalidation_paths: Iterable[str]) -> int:
        paths = tuple(invalidation_paths)
        now = time.monotonic()
        with self._lock:
            self._purges = [(t, p) for t, p in self._purges if now - t < PURGE_MEMORY]
            self._purges.append((now, paths))
            doomed = [
                k
                for k, e in self._entries.items()
                if any(invalidation_matches(p, e.path, e.query) for p in paths)
            ]
            for key in doomed:
                self._drop(key)
        return len(doomed)

    def _purged_since(self, entry: CachedResponse) -> bool:
        return any(
            at >= entry.stored_at
            and any(invalidation_matches(p, entry.path, entry.query) for p in paths)
            for at, paths in self._purges
        )

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def describe(self) -> list[dict]:
        now = time.monotonic()
        with self._lock:
            items = list(self._entries.items())
        return [
            {
                "path": e.path,
                "query": e.query,
                "key": repr(k[1:]) if any(k[1:4]) or k[4] else "",
                "status": e.status,
                "age": e.age(now),
                "ttl": e.ttl,
                "fresh": e.fresh(now),
                "bytes": len(e.body),
            }
            for k, e in items
        ]

    def _drop(self, key: tuple) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry.body)
