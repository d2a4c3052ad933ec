"""`harness image build`: the API image, built offline from api/Dockerfile.

A context is staged in a scratch directory (the Dockerfile, the api/ package without its tests,
and the wheels), built on the base image, and tagged `animehub-api:VERSION` (what the stack's
task definition names) and `animehub-api:VERSION-COMMIT` (the git commit, plus a hash of the
context when api/ has uncommitted changes, so each different image gets its own tag).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness import __version__
from harness.containers.base_image import OFFICIAL_BASE, ensure_base_image
from harness.containers.build import build_context
from harness.containers.wheels import build_wheels
from harness.control_plane.backends.container_specs import API_IMAGE, ROLE_LABEL

REPO_ROOT = Path(__file__).resolve().parents[2]
API_DIR = REPO_ROOT / "api"
REPOSITORY = API_IMAGE.partition(":")[0]
REVISION_LABEL = "org.opencontainers.image.revision"
LEFT_OUT = shutil.ignore_patterns("tests", "__pycache__", "*.pyc", "Dockerfile", ".*")


@dataclass(frozen=True)
class BuiltImage:
    name: str  # REPOSITORY:VERSION
    source_tag: str  # REPOSITORY:VERSION-COMMIT
    image_id: str
    base: str
    base_how: str
    size_bytes: int
    seconds: dict[str, float] = field(default_factory=dict)

    def describe(self) -> dict:
        return {
            "image": self.name,
            "source_tag": self.source_tag,
            "id": self.image_id,
            "base": f"{self.base} ({self.base_how})",
            "size_mb": round(self.size_bytes / 1e6, 1),
            "seconds": {step: round(s, 1) for step, s in self.seconds.items()},
        }


def source_revision(api_dir: Path = API_DIR, repo_root: Path = REPO_ROOT) -> str:
    """The last commit that changed api/ (so other commits keep the image current), and when
    api/ differs from it, a hash of the files that go in the image."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(repo_root), *args], capture_output=True, text=True, check=False
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    paths = ("--", str(api_dir), f":(exclude){api_dir / 'tests'}")  # tests stay out
    commit = git("log", "-1", "--format=%h", "--abbrev=12", *paths) or "nocommit"
    if commit != "nocommit" and not git("status", "--porcelain", *paths):
        return commit
    digest = hashlib.sha256()
    for path in sorted(api_dir.rglob("*")):
        relative = path.relative_to(api_dir)
        if path.is_file() and not _left_out(relative):
            digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes())
    return f"{commit}-{digest.hexdigest()[:8]}"


def _left_out(relative: Path) -> bool:
    parts = relative.parts
    return (
        any(p in ("tests", "__pycache__") or p.startswith(".") for p in parts)
        or relative.suffix == ".pyc"
        or parts == ("Dockerfile",)
    )


def build_api_image(
    client, *, base: str = OFFICIAL_BASE, api_dir: Path = API_DIR, version: str = __version__
) -> BuiltImage:
    seconds: dict[str, float] = {}
    began = time.monotonic()
    chosen = ensure_base_image(client, base)
    seconds["base"] = chosen.seconds
    mark = time.monotonic()
    wheels = build_wheels(api_dir / "requirements.txt")
    seconds["wheels"] = time.monotonic() - mark
    mark = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="animehub-api-context-") as scratch:
        context = Path(scratch)
        shutil.copyfile(api_dir / "Dockerfile", context / "Dockerfile")
        shutil.copytree(api_dir, context / "api", ignore=LEFT_OUT)
        shutil.copytree(wheels, context / "wheels", ignore=shutil.ignore_patterns(".*"))
        revision = source_revision(api_dir)
        name = f"{REPOSITORY}:{version}"
        source_tag = f"{name}-{revision}"
        image = build_context(
            client,
            context,
            source_tag,
            buildargs={"BASE_IMAGE": chosen.name},
            labels={
                ROLE_LABEL: "api",
                "org.opencontainers.image.version": version,
                REVISION_LABEL: revision,
            },
        )
    image.tag(REPOSITORY, version)
    seconds["build"] = time.monotonic() - mark
    seconds["total"] = time.monotonic() - began
    image.reload()
    return BuiltImage(
        name=name,
        source_tag=source_tag,
        image_id=image.id,
        base=chosen.name,
        base_how=chosen.how,
        size_bytes=int(image.attrs.get("Size", 0)),
        seconds=seconds,
    )


def image_exists(client, name: str = API_IMAGE) -> bool:
    import docker

    try:
        client.images.get(name)
        return True
    except docker.errors.ImageNotFound:
        return False
