"""S3: the web bucket and the media bucket (archived to Glacier), private and encrypted, each
readable by the distribution through its Origin Access Control and bucket policy."""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from harness.control_plane import access_policies
from harness.control_plane.blueprint import Blueprint


def ensure_bucket(s3, name: str, region: str) -> None:
    try:
        s3.head_bucket(Bucket=name)
        return
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("404", "NoSuchBucket", "NotFound"):
            raise
    kwargs = {"Bucket": name}
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**kwargs)
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )


def provision_storage(s3, bp: Blueprint) -> dict:
    # No website configuration: CloudFront reads the bucket's REST endpoint, the only one an
    # Origin Access Control can sign for.
    ensure_bucket(s3, bp.web_bucket, bp.region)
    ensure_bucket(s3, bp.media_bucket, bp.region)
    s3.put_bucket_lifecycle_configuration(
        Bucket=bp.media_bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "archive-untouched-media",
                    "Status": "Enabled",
                    "Filter": {"Prefix": "media/"},
                    "Transitions": [
                        {"Days": bp.media_archive_after_days, "StorageClass": "GLACIER"}
                    ],
                }
            ]
        },
    )
    s3.put_bucket_cors(
        Bucket=bp.media_bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedMethods": ["PUT", "GET", "HEAD"],
                    "AllowedOrigins": ["*"],
                    "AllowedHeaders": ["*"],
                    "MaxAgeSeconds": 3000,
                }
            ]
        },
    )
    return {"web_bucket": bp.web_bucket, "media_bucket": bp.media_bucket}


def cloudfront_read_policy(bucket: str, distribution_arn: str, *, listable: bool) -> dict:
    """The Origin Access Control grant of harness/control_plane/access_policies.py for a bucket
    named here."""
    return access_policies.cloudfront_read_policy(
        bucket_arn=f"arn:aws:s3:::{bucket}",
        objects_arn=f"arn:aws:s3:::{bucket}/*",
        distribution_arn=distribution_arn,
        listable=listable,
    )


def ensure_bucket_policy(s3, bucket: str, policy: dict) -> None:
    try:
        current = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NoSuchBucketPolicy":
            raise
        current = None
    if current != policy:
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


def provision_bucket_policies(s3, cloudfront, bp: Blueprint, made: dict) -> None:
    """After the distribution exists: the policies name its ARN."""
    arn = cloudfront.get_distribution(Id=made["distribution_id"])["Distribution"]["ARN"]
    for origin, bucket in (("web", made["web_bucket"]), ("media", made["media_bucket"])):
        listable = origin in bp.listable_origins
        ensure_bucket_policy(s3, bucket, cloudfront_read_policy(bucket, arn, listable=listable))
