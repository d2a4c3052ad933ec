"""Which scenarios may run on which backend. Against a real deployment (`aws`) only those
marked `aws_safe` run: read-only, or creating and removing their own uniquely named data."""

from __future__ import annotations

from collections.abc import Iterable

AWS_SAFE = "aws_safe"
MARKER_HELP = (
    f"{AWS_SAFE}: safe against a real AWS deployment (read-only, or creates and removes only "
    "its own uniquely named data); unmarked scenarios are skipped on the aws backend"
)


def skip_reason(backend_name: str, item_markers: Iterable) -> str | None:
    """Why a test with these markers (names or pytest Mark objects) must not run here, or None."""
    if backend_name != "aws":
        return None
    if AWS_SAFE in {getattr(marker, "name", marker) for marker in item_markers}:
        return None
    return (
        f"not marked {AWS_SAFE}: on the aws backend only scenarios that are read-only "
        "or remove their own uniquely named data run"
    )
