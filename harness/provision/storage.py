"""S3: the web bucket (a website index) and the media bucket (archived to Glacier)."""

from __future__ import annotations

from botocore.exceptions import ClientError

from harness.blueprint import Blueprint


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
