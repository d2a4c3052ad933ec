import pytest

from harness.data_plane.edge.cache_policy import CACHING_OPTIMIZED
from harness.data_plane.edge.distribution import parse_distribution, parse_origin


@pytest.mark.parametrize(
    ("domain", "bucket"),
    [
        ("web.s3.amazonaws.com", "web"),
        ("my.web.s3.us-west-2.amazonaws.com", "my.web"),
        ("web.s3-eu-west-1.amazonaws.com", "web"),
        ("web.s3-website-us-east-1.amazonaws.com", "web"),
        ("web.s3-website.eu-central-1.amazonaws.com", "web"),
        ("alb-1.us-east-1.elb.amazonaws.com", None),
    ],
)
def test_s3_origins_are_recognised_by_domain(domain, bucket):
    assert parse_origin({"Id": "o", "DomainName": domain}, {}).bucket == bucket


def test_a_domain_with_a_local_url_is_a_custom_origin():
    origin = parse_origin(
        {"Id": "o", "DomainName": "web.s3.amazonaws.com"}, {"web.s3.amazonaws.com": "x"}
    )
    assert not origin.is_s3


def test_legacy_fields_apply_without_a_cache_policy_id():
    config = {
        "Origins": {
            "Quantity": 1,
            "Items": [{"Id": "web", "DomainName": "web.s3.amazonaws.com", "OriginPath": "/v1/"}],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "web",
            "MinTTL": 5,
            "DefaultTTL": 50,
            "MaxTTL": 500,
            "ForwardedValues": {"QueryString": True, "Cookies": {"Forward": "none"}},
        },
        "CacheBehaviors": {
            "Quantity": 1,
            "Items": [
                {
                    "PathPattern": "/x/*",
                    "TargetOriginId": "nowhere",
                    "CachePolicyId": CACHING_OPTIMIZED.id,
                }
            ],
        },
        "CustomErrorResponses": {"Quantity": 1, "Items": [{"ErrorCode": 404, "ResponseCode": ""}]},
    }
    distribution = parse_distribution("D", "E", config, {}, lambda _: None, lambda _: None)
    default = distribution.behaviours[-1]
    policy = default.cache_policy
    assert (policy.name, policy.min_ttl, policy.default_ttl, policy.max_ttl) == (
        "legacy",
        5,
        50,
        500,
    )
    assert policy.query_strings.behavior == "all"
    assert default.origin_request_policy.name == "legacy"
    assert distribution.origins["web"].origin_path == "/v1"
    assert "nowhere" in distribution.behaviours[0].config_error
    assert distribution.error_responses[404].response_code is None
    assert distribution.error_responses[404].caching_min_ttl == 10
