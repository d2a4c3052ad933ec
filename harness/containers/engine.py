"""Is there a Docker engine to talk to: None when one answers, else one line saying why not."""

from __future__ import annotations

import os
from pathlib import Path

# dockerd 20.10 (Debian's docker.io) speaks 1.41; newer engines still accept it. A fixed version
# also keeps the SDK from connecting inside its constructor, which leaks the socket on failure.
API_VERSION = "1.41"
DEFAULT_SOCKET = "/var/run/docker.sock"
HOW_TO_GET_ONE = "scripts/docker-engine.sh start"


def unavailable_reason() -> str | None:
    """None when an engine answers a ping; otherwise why not, in a few words."""
    try:
        import docker
    except ImportError:
        return "the docker SDK is not installed (pip install -e '.[containers]')"
    host = os.environ.get("DOCKER_HOST") or f"unix://{DEFAULT_SOCKET}"
    if host.startswith("unix://") and not Path(host.removeprefix("unix://")).exists():
        # Checked first: the SDK leaks its socket when the connection fails.
        return (
            f"no Docker engine answers (no socket at {host.removeprefix('unix://')}; "
            f"{HOW_TO_GET_ONE} installs and starts one)"
        )
    try:
        client = docker.from_env(timeout=3, version=API_VERSION)
    except Exception as exc:  # noqa: BLE001 - any failure means no usable engine
        return f"no Docker engine answers ({type(exc).__name__}: {exc})"
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001
        return f"the Docker engine at {host} does not answer a ping ({type(exc).__name__})"
    finally:
        client.close()
    return None


def connect(timeout: float = 120):
    """A docker SDK client; the caller closes it."""
    import docker

    return docker.from_env(timeout=timeout, version=API_VERSION)


def image_unavailable_reason(name: str) -> str | None:
    """None when the engine has `name` or can pull it; else why not, naming the image."""
    import docker

    client = connect(timeout=60)
    try:
        try:
            client.images.get(name)
            return None
        except docker.errors.ImageNotFound:
            pass
        try:
            client.images.pull(name)
            return None
        except docker.errors.APIError as exc:
            why = exc.explanation
            return f"needs image {name}, which the engine lacks and cannot pull ({why})"
    finally:
        client.close()
