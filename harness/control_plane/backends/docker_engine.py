"""Is there a Docker engine to talk to, and the API image the ECS agent runs in containers."""

from __future__ import annotations

import os
from pathlib import Path

from harness.control_plane.backends.container_specs import API_IMAGE, ROLE_LABEL
from harness.errors import HarnessError

API_CONTEXT = Path(__file__).resolve().parents[3] / "api"


def docker_unavailable_reason() -> str | None:
    """None when an engine answers a ping; otherwise why not, in a few words."""
    try:
        import docker
    except ImportError:
        return "the docker SDK is not installed (pip install -e '.[containers]')"
    host = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    if host.startswith("unix://") and not Path(host.removeprefix("unix://")).exists():
        # Checked first: the SDK leaks its socket when the connection fails.
        return f"no Docker engine answers (no socket at {host.removeprefix('unix://')})"
    try:
        # A fixed API version: "auto" would connect inside the constructor and leak the socket.
        client = docker.from_env(timeout=3, version="1.41")
    except Exception as exc:  # noqa: BLE001 - any failure means no usable engine
        return f"no Docker engine answers ({type(exc).__name__}: {exc})"
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001
        return f"the Docker engine does not answer a ping ({type(exc).__name__})"
    finally:
        client.close()
    return None


def ensure_api_image(rebuild: bool = False) -> str:
    """Build API_IMAGE from api/Dockerfile unless it exists; return its name."""
    import docker

    client = docker.from_env()
    try:
        if not rebuild:
            try:
                client.images.get(API_IMAGE)
                return API_IMAGE
            except docker.errors.ImageNotFound:
                pass
        client.images.build(
            path=str(API_CONTEXT), tag=API_IMAGE, labels={ROLE_LABEL: "api"}, rm=True
        )
    except docker.errors.BuildError as exc:
        raise HarnessError(
            f"building {API_IMAGE} from {API_CONTEXT}/Dockerfile failed: {exc.msg}"
        ) from None
    finally:
        client.close()
    return API_IMAGE
