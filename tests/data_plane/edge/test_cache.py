from harness.data_plane.edge import forwarded_values
from harness.data_plane.edge.cache import CachedResponse, ResponseCache, cache_key
from harness.data_plane.edge.cache_policy import CACHING_OPTIMIZED, CachePolicy

KEYED = CachePolicy(
    "keyed",
    min_ttl=0,
    default_ttl=60,
    max_ttl=600,
    headers=forwarded_values.headers("whitelist", ["Accept-Language"]),
    cookies=forwarded_values.cookies("whitelist", ["session"]),
    query_strings=forwarded_values.query_strings("whitelist", ["page"]),
)


def test_caching_optimized_keys_on_path_and_normalised_encoding_only():
    plain = cache_key(CACHING_OPTIMIZED, "/a.js", "v=1", [("cookie", "x=1")])
    other_query = cache_key(CACHING_OPTIMIZED, "/a.js", "v=2", [("user-agent", "curl")])
    assert plain == other_query
    gzip = cache_key(CACHING_OPTIMIZED, "/a.js", "", [("accept-encoding", "gzip, deflate")])
    both = cache_key(CACHING_OPTIMIZED, "/a.js", "", [("accept-encoding", "br;q=1, gzip")])
    refused = cache_key(CACHING_OPTIMIZED, "/a.js", "", [("accept-encoding", "gzip;q=0")])
    assert len({plain, gzip, both}) == 3
    assert refused == plain


def test_policy_named_values_enter_the_key_in_any_order():
    a = cache_key(
        KEYED,
        "/p",
        "page=2&utm=x",
        [("accept-language", "ja"), ("cookie", "session=s1; theme=dark")],
    )
    b = cache_key(
        KEYED,
        "/p",
        "utm=y&page=2",
        [("cookie", "theme=light; session=s1"), ("accept-language", "ja")],
    )
    c = cache_key(KEYED, "/p", "page=3", [("accept-language", "ja"), ("cookie", "session=s1")])
    assert a == b != c


def _entry(path, size=1):
    return CachedResponse(200, (), b"x" * size, stored_at=0.0, ttl=60, path=path)


def test_purge_by_exact_path_and_wildcard():
    cache = ResponseCache()
    for path in ("/index.html", "/images/a.png", "/images/b/c.png", "/imagesX.png"):
        cache.put((path,), _entry(path))
    assert cache.purge(["/images/*"]) == 2  # a trailing * is a prefix match
    assert cache.purge(["/images*"]) == 1  # /imagesX.png
    assert cache.purge(["/index.htm"]) == 0
    assert cache.purge(["/index.html"]) == 1
    assert len(cache) == 0


def test_store_is_bounded_by_entries_and_bytes():
    cache = ResponseCache(max_entries=2, max_bytes=80)
    cache.put(("a",), _entry("/a"))
    cache.put(("b",), _entry("/b"))
    cache.get(("a",))  # a is now the most recently used
    cache.put(("c",), _entry("/c"))
    assert cache.get(("b",)) is None and cache.get(("a",)) is not None
    assert cache.put(("big",), _entry("/big", size=11)) is False  # over max_bytes / 8
