"""S3: the web bucket (a website index) and the media bucket (archived to Glacier), each
readable by the distribution through an Origin Access Control style bucket policy."""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

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


def provision_storage(s3, bp: Blueprint) -> dict:
    ensure_bucket(s3, bp.web_bucket, bp.region)
    s3.put_bucket_website(
        Bucket=bp.web_bucket,
        WebsiteConfiguration={
            "IndexDocument": {"Suffix": bp.default_root_object},
            "ErrorDocument": {"Key": bp.default_root_object},
        },
    )
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
    """Lets the distribution (and only it) read objects; with `listable`, list the bucket too,
    which makes S3 answer a missing key with 404 NoSuchKey instead of 403 AccessDenied."""
    grants = [("AllowCloudFrontRead", "s3:GetObject", f"arn:aws:s3:::{bucket}/*")]
    if listable:
        grants.append(("AllowCloudFrontList", "s3:ListBucket", f"arn:aws:s3:::{bucket}"))
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": sid,
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": action,
                "Resource": resource,
                "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
            }
            for sid, action, resource in grants
        ],
    }


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
