from harness.data_plane.edge.cache_policy import CACHING_DISABLED, CACHING_OPTIMIZED
from harness.data_plane.edge.distribution import Behaviour, Origin
from harness.data_plane.edge.forwarding import origin_headers, origin_query
from harness.data_plane.edge.origin_request_policy import ALL_VIEWER, ALL_VIEWER_EXCEPT_HOST_HEADER

ORIGIN = Origin(
    "alb", "alb.example.elb.amazonaws.com", "", None, 30, 10, (("x-origin-secret", "s"),)
)
VIEWER = [
    ("host", "d111.cloudfront.net"),
    ("user-agent", "Mozilla"),
    ("authorization", "Bearer t"),
    ("cookie", "session=1; theme=dark"),
    ("accept-encoding", "gzip, br"),
    ("if-none-match", '"abc"'),
    ("connection", "keep-alive"),
    ("x-custom", "1"),
]


def _behaviour(cache_policy, request_policy):
    methods = frozenset({"GET", "HEAD", "POST"})
    return Behaviour("/api/*", "alb", methods, methods, cache_policy, request_policy)


def _send(behaviour, method="GET", cacheable=False, viewer=VIEWER):
    return dict(
        origin_headers(
            viewer,
            method=method,
            behaviour=behaviour,
            origin=ORIGIN,
            client_ip="198.51.100.7",
            via="1.1 abc.cloudfront.net (CloudFront)",
            request_id="id",
            cacheable=cacheable,
        )
    )


def test_all_viewer_except_host_header():
    sent = _send(_behaviour(CACHING_DISABLED, ALL_VIEWER_EXCEPT_HOST_HEADER))
    assert sent["host"] == ORIGIN.domain_name
    assert sent["user-agent"] == "Mozilla"
    assert sent["authorization"] == "Bearer t"
    assert sent["cookie"] == "session=1; theme=dark"
    assert sent["x-custom"] == "1"
    assert "connection" not in sent
    assert sent["x-forwarded-for"] == "198.51.100.7"
    assert sent["via"] == "1.1 abc.cloudfront.net (CloudFront)"
    assert sent["x-amz-cf-id"] == "id"
    assert sent["x-origin-secret"] == "s"


def test_the_fields_the_viewer_connection_names_stay_behind():
    """RFC 9110 section 7.6.1: a proxy removes the fields Connection names, as the ALB does."""
    viewer = [("connection", "keep-alive, X-Session-Hint"), ("x-session-hint", "s"), *VIEWER]
    sent = _send(_behaviour(CACHING_DISABLED, ALL_VIEWER), viewer=viewer)
    assert "x-session-hint" not in sent
    assert sent["x-custom"] == "1"


def test_all_viewer_forwards_the_viewer_host():
    assert _send(_behaviour(CACHING_DISABLED, ALL_VIEWER))["host"] == "d111.cloudfront.net"


def test_without_origin_request_policy_only_the_cache_key_and_defaults_go():
    sent = _send(_behaviour(CACHING_OPTIMIZED, None), cacheable=True)
    assert sent["host"] == ORIGIN.domain_name
    assert sent["user-agent"] == "Amazon CloudFront"
    assert sent["accept-encoding"] == "br,gzip"
    for dropped in ("authorization", "cookie", "x-custom", "if-none-match"):
        assert dropped not in sent
    posted = _send(_behaviour(CACHING_DISABLED, None), method="POST")
    assert posted["authorization"] == "Bearer t"  # CloudFront forwards it for POST/PUT/...
    assert posted["if-none-match"] == '"abc"'


def test_query_strings_follow_the_policies():
    assert origin_query("a=1&b=2", _behaviour(CACHING_OPTIMIZED, None)) == ""
    assert origin_query("a=1&b=%20", _behaviour(CACHING_DISABLED, ALL_VIEWER)) == "a=1&b=%20"
