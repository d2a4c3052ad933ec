"""The edge reads an S3 origin only as the distribution's Origin Access Control would: the
bucket policy must grant cloudfront.amazonaws.com s3:GetObject with AWS:SourceArn naming this
distribution, or the object is 403 AccessDenied
[AWS: private-content-restricting-access-to-s3, "Restrict access to an Amazon S3 origin"].
Each test breaks the web bucket's policy and puts the provisioned one back."""

import json
import uuid

import httpx
import pytest

from harness.control_plane.provision.storage import cloudfront_read_policy
from harness.plumbing.waiting import NotYet, wait_until

OTHER_DISTRIBUTION = "arn:aws:cloudfront::123456789012:distribution/EOTHERDISTRIBUTION"
# The edge re-reads bucket policies every 2 s; this only catches a hang.
POLICY_TIMEOUT = 30.0


@pytest.fixture
def viewer(edge):
    with httpx.Client(base_url=edge.url, trust_env=False, timeout=10) as client:
        yield client


@pytest.fixture
def web_policy(endpoints, distribution, buckets):
    """The web bucket's policy as provisioned; restored after the test."""
    s3, web, _ = buckets
    provisioned = s3.get_bucket_policy(Bucket=web)["Policy"]
    arn = endpoints.client("cloudfront").get_distribution(Id=distribution)["Distribution"]["ARN"]
    yield s3, web, arn
    s3.put_bucket_policy(Bucket=web, Policy=provisioned)


def _fresh_asset(s3, bucket: str) -> str:
    # A key nobody asked for yet: what the edge answers is the origin's, never its cache's.
    key = f"assets/{uuid.uuid4().hex}.js"
    s3.put_object(Bucket=bucket, Key=key, Body=b"console.log(1)", ContentType="text/javascript")
    return "/" + key


def _wait_for_status(viewer, s3, bucket, status: int) -> httpx.Response:
    """The answer for a fresh asset once the edge has read the new policy."""
    answers = []

    def check() -> bool:
        answers.append(viewer.get(_fresh_asset(s3, bucket)))
        if answers[-1].status_code != status:
            raise NotYet(f"HTTP {answers[-1].status_code}")
        return True

    wait_until(check, what=f"web assets answered {status}", timeout=POLICY_TIMEOUT)
    return answers[-1]


def test_assets_are_read_with_the_distributions_grant(viewer, web_policy):
    s3, web, _ = web_policy
    answer = viewer.get(_fresh_asset(s3, web))
    assert answer.status_code == 200
    assert answer.text == "console.log(1)"


def test_without_the_grant_web_assets_are_403(viewer, web_policy):
    s3, web, arn = web_policy
    only_list = cloudfront_read_policy(web, arn, listable=True)
    only_list["Statement"] = [s for s in only_list["Statement"] if s["Action"] != "s3:GetObject"]
    s3.put_bucket_policy(Bucket=web, Policy=json.dumps(only_list))
    denied = _wait_for_status(viewer, s3, web, 403)
    assert "<Code>AccessDenied</Code>" in denied.text


def test_a_grant_naming_another_distribution_is_403(viewer, web_policy):
    s3, web, _ = web_policy
    elsewhere = cloudfront_read_policy(web, OTHER_DISTRIBUTION, listable=True)
    s3.put_bucket_policy(Bucket=web, Policy=json.dumps(elsewhere))
    denied = _wait_for_status(viewer, s3, web, 403)
    assert "<Code>AccessDenied</Code>" in denied.text


def test_restoring_the_grant_serves_assets_again(viewer, web_policy):
    s3, web, arn = web_policy
    s3.delete_bucket_policy(Bucket=web)
    _wait_for_status(viewer, s3, web, 403)
    s3.put_bucket_policy(
        Bucket=web, Policy=json.dumps(cloudfront_read_policy(web, arn, listable=True))
    )
    assert _wait_for_status(viewer, s3, web, 200).text == "console.log(1)"
