"""Which headers, cookies or query strings a policy picks out of a viewer request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

NONE = "none"
WHITELIST = "whitelist"
ALL_EXCEPT = "allExcept"
ALL = "all"

# The API spells "everything" differently per value kind and policy kind.
_ALIASES = {
    "allViewer": ALL,
    "allViewerAndWhitelistCloudFront": ALL,
    "allowList": WHITELIST,
    "include": WHITELIST,
    "exclude": ALL_EXCEPT,
    "allExcept": ALL_EXCEPT,
    "whitelist": WHITELIST,
    "none": NONE,
    "all": ALL,
}


@dataclass(frozen=True)
class Selection:
    """`behavior` is one of none / whitelist / allExcept / all; `names` the listed ones."""

    behavior: str = NONE
    names: frozenset[str] = frozenset()
    case_sensitive: bool = True

    @classmethod
    def of(cls, behavior: str, names=(), *, case_sensitive: bool = True) -> Selection:
        kind = _ALIASES.get(behavior)
        if kind is None:
            raise ValueError(f"unknown selection behaviour {behavior!r}")
        if kind == ALL_EXCEPT and not names:
            kind = ALL
        folded = frozenset(n if case_sensitive else n.lower() for n in names)
        return cls(kind, folded, case_sensitive)

    def includes(self, name: str) -> bool:
        if not self.case_sensitive:
            name = name.lower()
        if self.behavior == ALL:
            return True
        if self.behavior == WHITELIST:
            return name in self.names
        if self.behavior == ALL_EXCEPT:
            return name not in self.names
        return False

    def union(self, other: Selection) -> Selection:
        """Values picked by either selection (the cache key's plus the origin request policy's)."""
        if self.behavior == ALL or other.behavior == ALL:
            return Selection(ALL, frozenset(), self.case_sensitive)
        if self.behavior == NONE:
            return other
        if other.behavior == NONE:
            return self
        if self.behavior == WHITELIST and other.behavior == WHITELIST:
            return Selection(WHITELIST, self.names | other.names, self.case_sensitive)
        if self.behavior == ALL_EXCEPT and other.behavior == ALL_EXCEPT:
            return Selection(ALL_EXCEPT, self.names & other.names, self.case_sensitive)
        allow, deny = (self, other) if self.behavior == WHITELIST else (other, self)
        return Selection(ALL_EXCEPT, deny.names - allow.names, self.case_sensitive)

    def describe(self) -> str:
        if self.behavior in (NONE, ALL):
            return self.behavior
        return f"{self.behavior}({', '.join(sorted(self.names))})"


def headers(behavior: str, names=()) -> Selection:
    return Selection.of(behavior, names, case_sensitive=False)


def cookies(behavior: str, names=()) -> Selection:
    return Selection.of(behavior, names)


def query_strings(behavior: str, names=()) -> Selection:
    return Selection.of(behavior, names)


def items(container: Mapping | None) -> list:
    """The `Items` of an API `{Quantity, Items}` container, tolerating absence."""
    return list((container or {}).get("Items") or [])


def from_api(container: Mapping) -> dict[str, Selection]:
    """`headers`, `cookies` and `query_strings` from an API element holding HeadersConfig,
    CookiesConfig and QueryStringsConfig (a cache policy's cache key, an origin request policy)."""
    h = container.get("HeadersConfig") or {}
    c = container.get("CookiesConfig") or {}
    q = container.get("QueryStringsConfig") or {}
    return {
        "headers": headers(h.get("HeaderBehavior", "none"), items(h.get("Headers"))),
        "cookies": cookies(c.get("CookieBehavior", "none"), items(c.get("Cookies"))),
        "query_strings": query_strings(
            q.get("QueryStringBehavior", "none"), items(q.get("QueryStrings"))
        ),
    }
