import json

import pytest

from harness.control_plane.provision.storage import cloudfront_read_policy
from harness.data_plane.edge.bucket_policy import missing_key_status

ARN = "arn:aws:cloudfront::123456789012:distribution/E2ABCDEF"
OTHER_ARN = "arn:aws:cloudfront::123456789012:distribution/EOTHER"
BUCKET = "animehub-web"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"


def statement(**fields) -> dict:
    base = {
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:ListBucket",
        "Resource": BUCKET_ARN,
    }
    return {**base, **fields}


def policy(*statements) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def source_arn(operator: str, value) -> dict:
    return {operator: {"AWS:SourceArn": value}}


@pytest.mark.parametrize(
    ("document", "status"),
    [
        (None, 403),
        ("", 403),
        (cloudfront_read_policy(BUCKET, ARN, listable=False), 403),
        (cloudfront_read_policy(BUCKET, ARN, listable=True), 404),
        (json.dumps(cloudfront_read_policy(BUCKET, ARN, listable=True)), 404),
        (cloudfront_read_policy(BUCKET, OTHER_ARN, listable=True), 403),
        (cloudfront_read_policy("another-bucket", ARN, listable=True), 403),
        (policy(statement()), 404),
        (policy(statement(Principal="*")), 404),
        (policy(statement(Principal={"AWS": "*"})), 404),
        (
            policy(
                statement(Principal={"Service": ["ec2.amazonaws.com", "cloudfront.amazonaws.com"]})
            ),
            404,
        ),
        (policy(statement(Principal={"Service": "ec2.amazonaws.com"})), 403),
        (policy(statement(Principal={"AWS": "arn:aws:iam::123456789012:root"})), 403),
        (policy(statement(Action=["s3:GetObject", "s3:ListBucket"])), 404),
        (policy(statement(Action="s3:*")), 404),
        (policy(statement(Action="s3:list*")), 404),
        (policy(statement(Action="*")), 404),
        (policy(statement(Action="s3:GetObject")), 403),
        (policy(statement(Action="s3:ListBucketVersions")), 403),
        (policy(statement(Resource=f"{BUCKET_ARN}/*")), 403),
        (policy(statement(Resource="arn:aws:s3:::animehub-*")), 404),
        (policy(statement(Resource="*")), 404),
        (policy(statement(Condition=source_arn("StringEquals", ARN))), 404),
        (
            policy(
                statement(Condition=source_arn("ArnLike", "arn:aws:cloudfront::*:distribution/*"))
            ),
            404,
        ),
        (policy(statement(Condition=source_arn("StringEquals", [OTHER_ARN, ARN]))), 404),
        (policy(statement(Condition=source_arn("StringEquals", OTHER_ARN))), 403),
        (policy(statement(Condition={"StringEquals": {"AWS:SourceAccount": "123456789012"}})), 404),
        (policy(statement(Condition={"StringEquals": {"AWS:SourceAccount": "999999999999"}})), 403),
        (policy(statement(Condition={"Bool": {"aws:SecureTransport": "true"}})), 403),
        (policy(statement(), statement(Effect="Deny")), 403),
        (policy(statement(), statement(Effect="Deny", Principal="*", Action="s3:Delete*")), 404),
        (policy(statement(NotAction="s3:GetObject")), 403),
        ({"Statement": statement()}, 404),
    ],
)
def test_missing_key_status_follows_the_bucket_policy(document, status):
    assert missing_key_status(document, BUCKET, ARN) == status
