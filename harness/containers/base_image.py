"""The base image the API image builds on: the official slim Python image where it can be had,
else one made from Debian's own packages (mmdebstrap, then `docker import`), once per machine.

No image registry may be reachable, but Debian's package mirror is: the Debian base needs only
apt. It is kept in the engine under a fixed name, so later builds find it and skip this step.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from harness.control_plane.backends.container_specs import ROLE_LABEL
from harness.errors import HarnessError

log = logging.getLogger(__name__)

OFFICIAL_BASE = "python:3.11-slim"
DEBIAN_BASE = "animehub-base:bookworm-python3"
DEBIAN_SUITE = "bookworm"  # its python3 is 3.11, the official base's version
DEBIAN_PACKAGES = ("python3", "python3-venv", "ca-certificates")
# Documentation and translations: a third of the tree, never read in a container.
DPKG_EXCLUDES = ("/usr/share/doc/*", "/usr/share/man/*", "/usr/share/locale/*", "/usr/share/info/*")
APT_INSTALL = ("apt-get", "install", "-y", "-qq", "--no-install-recommends")
IMPORT_CHANGES = (
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "ENV LANG=C.UTF-8",
    'CMD ["python3"]',
    f"LABEL {ROLE_LABEL}=base",
)


@dataclass(frozen=True)
class BaseImage:
    name: str
    how: str  # "present", "pulled" or "built from Debian packages"
    seconds: float


def ensure_base_image(client, wanted: str = OFFICIAL_BASE) -> BaseImage:
    """`wanted` when the engine has it or can pull it; else the Debian-built base."""
    import docker

    began = time.monotonic()
    if _present(client, wanted):
        return BaseImage(wanted, "present", time.monotonic() - began)
    try:
        client.images.pull(wanted)
        return BaseImage(wanted, "pulled", time.monotonic() - began)
    except docker.errors.APIError as exc:
        if wanted != OFFICIAL_BASE:
            raise HarnessError(f"base image {wanted!r} cannot be had: {exc.explanation}") from None
        log.info("%s cannot be pulled (%s); using a base built from Debian packages", wanted, exc)
    if _present(client, DEBIAN_BASE):
        return BaseImage(DEBIAN_BASE, "present", time.monotonic() - began)
    build_debian_base(client)
    return BaseImage(DEBIAN_BASE, "built from Debian packages", time.monotonic() - began)


def build_debian_base(client, name: str = DEBIAN_BASE) -> None:
    mmdebstrap = shutil.which("mmdebstrap") or _install_mmdebstrap()
    with tempfile.TemporaryDirectory(prefix="animehub-base-") as scratch:
        tarball = Path(scratch) / "base.tar"
        command = [
            mmdebstrap,
            "--quiet",
            "--variant=apt",
            f"--include={','.join(DEBIAN_PACKAGES)}",
            *(f"--dpkgopt=path-exclude={pattern}" for pattern in DPKG_EXCLUDES),
            DEBIAN_SUITE,
            str(tarball),
        ]
        log.info("building %s: %s", name, " ".join(command))
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = "\n".join(done.stderr.splitlines()[-5:])
            raise HarnessError(f"mmdebstrap could not build the base image:\n{tail}")
        repository, _, tag = name.partition(":")
        client.api.import_image_from_file(
            str(tarball), repository=repository, tag=tag, changes=list(IMPORT_CHANGES)
        )


def _present(client, name: str) -> bool:
    import docker

    try:
        client.images.get(name)
        return True
    except docker.errors.ImageNotFound:
        return False


def _install_mmdebstrap() -> str:
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise HarnessError(
            "the base image needs mmdebstrap: install it (apt-get install mmdebstrap) or make "
            f"{OFFICIAL_BASE} available to the engine"
        )
    log.info("installing mmdebstrap")
    env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    for command in (["apt-get", "update", "-qq"], [*APT_INSTALL, "mmdebstrap"]):
        done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
        if done.returncode != 0:
            break
    found = shutil.which("mmdebstrap")
    if done.returncode != 0 or found is None:
        raise HarnessError(f"could not install mmdebstrap: {done.stderr.strip()[-300:]}")
    return found


def main() -> int:
    """`python -m harness.containers.base_image`: make sure a base image is there; exit 3 when
    none can be had (the container pass then skips rather than fails)."""
    import sys

    from harness.containers.engine import connect, unavailable_reason

    logging.basicConfig(level=logging.INFO, format="base image: %(message)s")
    reason = unavailable_reason()
    if reason:
        print(f"base image: {reason}", file=sys.stderr)
        return 3
    client = connect(timeout=900)
    import docker

    try:
        chosen = ensure_base_image(client)
    except (HarnessError, docker.errors.APIError) as exc:
        print(f"base image: {exc}", file=sys.stderr)
        return 3
    finally:
        client.close()
    print(f"base image: {chosen.name} ({chosen.how}, {chosen.seconds:.1f}s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
