"""One `docker build` of a staged context, with the build log's tail in the error."""

from __future__ import annotations

from pathlib import Path

from harness.errors import HarnessError


def build_context(
    client, context: Path, tag: str, *, buildargs: dict[str, str], labels: dict[str, str]
):
    import docker

    try:
        image, _ = client.images.build(
            path=str(context),
            tag=tag,
            buildargs=buildargs,
            labels=labels,
            rm=True,
            forcerm=True,
            pull=False,
        )
    except docker.errors.BuildError as exc:
        tail = "".join(str(line.get("stream", "")) for line in list(exc.build_log)[-8:])
        raise HarnessError(f"building {tag} failed: {exc.msg}\n{tail.strip()}") from None
    return image
