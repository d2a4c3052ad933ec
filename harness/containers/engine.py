"""Which Docker engine to talk to, and whether it answers: None when it does, else one line.

The engine is DOCKER_HOST's, else the default socket's, else the one scripts/docker-engine.sh
starts under ANIMEHUB_DOCKER_STATE (its own socket, so that tools looking only at the default
socket do not find it by surprise).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

# dockerd 20.10 (Debian's docker.io) speaks 1.41; newer engines still accept it. A fixed version
# also keeps the SDK from connecting inside its constructor, which leaks the socket on failure.
API_VERSION = "1.41"
DEFAULT_SOCKET = "/var/run/docker.sock"
DEFAULT_STATE = "/var/lib/animehub-docker"
HOW_TO_GET_ONE = "scripts/docker-engine.sh start"


def engine_host(environ=None) -> str:
    environ = os.environ if environ is None else environ
    if environ.get("DOCKER_HOST"):
        return environ["DOCKER_HOST"]
    own = Path(environ.get("ANIMEHUB_DOCKER_STATE") or DEFAULT_STATE) / "docker.sock"
    if not Path(DEFAULT_SOCKET).exists() and own.exists():
        return f"unix://{own}"
    return f"unix://{DEFAULT_SOCKET}"


def unavailable_reason() -> str | None:
    """None when an engine answers a ping; otherwise why not, in a few words."""
    # Found, not imported, first: without an engine's socket the SDK's import (0.1 s, on a
    # stack's start) would only lead to the same answer.
    if importlib.util.find_spec("docker") is None:
        return "the docker SDK is not installed (pip install -e '.[containers]')"
    host = engine_host()
    if host.startswith("unix://") and not Path(host.removeprefix("unix://")).exists():
        # Checked first: the SDK leaks its socket when the connection fails.
        return (
            f"no Docker engine answers (no socket at {host.removeprefix('unix://')}; "
            f"{HOW_TO_GET_ONE} installs and starts one)"
        )
    try:
        client = connect(timeout=3)
    except Exception as exc:  # noqa: BLE001 - any failure means no usable engine
        return f"no Docker engine answers at {host} ({type(exc).__name__}: {exc})"
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001
        return f"the Docker engine at {host} does not answer a ping ({type(exc).__name__})"
    finally:
        client.close()
    return None


def connect(timeout: float = 120):
    """A docker SDK client for engine_host(); the caller closes it."""
    import docker

    return docker.DockerClient(base_url=engine_host(), version=API_VERSION, timeout=timeout)


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
