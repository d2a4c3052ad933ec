"""The host files a task's environment names, as a task container sees them.

A process task reads LD_PRELOAD (libfaketime) and FAKETIME_TIMESTAMP_FILE (the run directory's
clock file) on the host (harness/clock/faketime.py). Those paths are not in the image: each is
mounted read-only under MOUNT_ROOT and the variable points there. The clock file is replaced by a
rename on every change, so its directory is mounted: a mount of the file itself would keep
showing the file that was replaced.

A library built on the host need not load in the image (another C library, another
architecture): `preload_refusal` runs it once per image and says why not, so that a task never
runs on real time while the stack believes it follows the stack clock.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

MOUNT_ROOT = "/run/animehub"
FILE_VARIABLES = ("LD_PRELOAD",)
DIRECTORY_VARIABLES = ("FAKETIME_TIMESTAMP_FILE",)
PROBE_SHIFT_DAYS = 100


def container_view(environment: Mapping[str, str]) -> tuple[dict[str, str], dict[str, dict]]:
    """The environment with container paths, and the engine API's read-only binds for them."""
    env = dict(environment)
    binds: dict[str, dict] = {}
    for name in FILE_VARIABLES + DIRECTORY_VARIABLES:
        if not env.get(name):
            continue
        host = Path(env[name])
        inside = f"{MOUNT_ROOT}/{name.lower()}"
        if name in DIRECTORY_VARIABLES:
            binds[str(host.parent)] = {"bind": inside, "mode": "ro"}
        else:
            binds[str(host)] = {"bind": f"{inside}/{host.name}", "mode": "ro"}
        env[name] = f"{inside}/{host.name}"
    return env, binds


def preload_refusal(client, image: str, host_library: str, labels: Mapping[str, str]):
    """None when `host_library` (libfaketime), preloaded in `image`, shifts its time; else why
    not. The check runs `date` with libfaketime's fixed offset, in a throw-away container."""
    import docker

    env, binds = container_view({"LD_PRELOAD": host_library})
    try:
        output = client.containers.run(
            image,
            entrypoint=["date", "+%s"],
            command=[],
            environment=env | {"FAKETIME": f"+{PROBE_SHIFT_DAYS}d"},
            volumes=binds,
            labels=dict(labels),
            network_mode="none",
            remove=True,
            stdout=True,
            stderr=True,
        ).decode(errors="replace")
    except docker.errors.ContainerError as exc:
        return f"`date` with it fails in the image ({exc.stderr or exc.exit_status})"
    except docker.errors.APIError as exc:
        return f"cannot run `date` in the image to check it ({exc.explanation})"
    lines = output.strip().splitlines()
    shifted = lines[-1].strip() if lines else ""
    expected = time.time() + PROBE_SHIFT_DAYS * 86400
    if shifted.isdigit() and abs(int(shifted) - expected) <= 86400:
        return None
    loader = [line for line in lines if "ld.so" in line]
    return loader[0] if loader else f"time is not shifted there (`date +%s` printed {shifted!r})"
