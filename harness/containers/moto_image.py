"""An emulator image built here from registry packages: moto's server, on the same base and
from host wheels like the API image. The containers backend runs it where the LocalStack and
DynamoDB Local images cannot be pulled, so that its engine code runs for real.

The server listens on $PORT (the backend sets the role's port: 4566 or 8000).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from harness.containers.base_image import OFFICIAL_BASE, ensure_base_image
from harness.containers.build import build_context
from harness.containers.wheels import wheels_for
from harness.control_plane.backends.container_specs import ROLE_LABEL

REPOSITORY = "animehub-moto"
DOCKERFILE = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY wheels/ /wheels/
RUN python3 -m venv /opt/moto \\
    && /opt/moto/bin/python -m pip install --no-index --no-cache-dir \\
       --disable-pip-version-check --find-links /wheels --requirement /wheels/requirements.txt \\
    && rm -rf /wheels
ENV PATH=/opt/moto/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    PYTHONDONTWRITEBYTECODE=1 \\
    PORT=5000
USER 10001:10001
CMD ["/bin/sh", "-c", "exec moto_server -H 0.0.0.0 -p \\"$PORT\\""]
"""


def moto_version() -> str:
    import moto

    return moto.__version__


def ensure_moto_image(client, base: str = OFFICIAL_BASE) -> str:
    """`animehub-moto:<the harness's moto version>`, built unless the engine has it."""
    import docker

    version = moto_version()
    name = f"{REPOSITORY}:{version}"
    try:
        client.images.get(name)
        return name
    except docker.errors.ImageNotFound:
        pass
    chosen = ensure_base_image(client, base)
    wheels = wheels_for(f"moto[server]=={version}\n")
    with tempfile.TemporaryDirectory(prefix="animehub-moto-context-") as scratch:
        context = Path(scratch)
        (context / "Dockerfile").write_text(DOCKERFILE)
        shutil.copytree(wheels, context / "wheels", ignore=shutil.ignore_patterns(".*"))
        build_context(
            client,
            context,
            name,
            buildargs={"BASE_IMAGE": chosen.name},
            labels={ROLE_LABEL: "emulator", "org.opencontainers.image.version": version},
        )
    return name
