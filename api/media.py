"""Presigned uploads into the media bucket, each under its fan's own prefix."""

from __future__ import annotations

import uuid

from api.schemas import MEDIA_TYPES

UPLOAD_EXPIRES_SECONDS = 300


def user_prefix(sub: str) -> str:
    # CloudFront forwards `/media/...` as the S3 key, so keys start with `media/`.
    return f"media/users/{sub}/"


class MediaUploads:
    def __init__(self, *, s3, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def presign(self, sub: str, *, content_type: str, size: int) -> dict:
        key = f"{user_prefix(sub)}{uuid.uuid4().hex}.{MEDIA_TYPES[content_type]}"
        url = self._s3.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self._bucket,
                "Key": key,
                "ContentType": content_type,
                "ContentLength": size,
            },
            ExpiresIn=UPLOAD_EXPIRES_SECONDS,
            HttpMethod="PUT",
        )
        return {
            "key": key,
            "media_path": f"/{key}",
            "upload": {
                "method": "PUT",
                "url": url,
                "headers": {"Content-Type": content_type, "Content-Length": str(size)},
                "expires_in": UPLOAD_EXPIRES_SECONDS,
            },
        }
