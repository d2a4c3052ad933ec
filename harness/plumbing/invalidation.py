"""Create a CloudFront invalidation, the one way the harness does it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence


def invalidate(cloudfront, distribution_id: str, paths: Sequence[str], *, origin: str) -> str:
    """Invalidate `paths` on the distribution; return the invalidation's Id.

    `origin` starts the CallerReference (who asked, e.g. `web-1.2.0`); a random suffix makes
    each call a new invalidation, since CloudFront treats a repeated reference as the same one.
    """
    return cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": list(paths)},
            "CallerReference": f"{origin}-{uuid.uuid4().hex}",
        },
    )["Invalidation"]["Id"]
