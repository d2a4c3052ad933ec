"""Deploy the API the way its release pipeline does: build the image, push it to the stack's
ECR repository, register a new task definition revision naming it, update the service, and wait
for the rolling deployment to finish (every task on the new revision and healthy, none of the
old ones left running).

Here "push" tags the built image in the local engine with the repository URI (the container
runtime finds it by that name) and records it in the emulator's ECR where the stack has the
repository. Without an engine nothing is built: the revision still names a new tag, and the
process runtime runs api/ from the source tree.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field

from harness import __version__
from harness.errors import HarnessError
from harness.plumbing.waiting import NotYet, wait_until

log = logging.getLogger(__name__)

# Copied from the current revision into the new one; everything else is the API's output.
REGISTER_FIELDS = (
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "containerDefinitions",
    "volumes",
    "placementConstraints",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "runtimePlatform",
    "ephemeralStorage",
)


@dataclass
class ApiDeployment:
    image: str
    task_definition_arn: str
    built: bool
    seconds: dict[str, float] = field(default_factory=dict)


def repository_uri(stack, current_image: str) -> str:
    """The stack's ECR repository URI: from ECR where the stack has the repository, else the
    repository part of the image the service runs now."""
    name = current_image.split("@", 1)[0]
    if ":" in name.rsplit("/", 1)[-1]:
        name = name.rsplit(":", 1)[0]
    repository = name.rsplit("/", 1)[-1]
    try:
        found = stack.endpoints.client("ecr").describe_repositories(repositoryNames=[repository])
        return found["repositories"][0]["repositoryUri"]
    except Exception as exc:  # noqa: BLE001 - no repository (or no ECR): keep the image's
        log.info("deploy: no ECR repository %s (%s); using %s", repository, exc, name)
        return name


def new_revision(current: dict, image: str, container_name: str | None = None) -> dict:
    """register_task_definition arguments: the current revision with the new image."""
    wanted = {k: current[k] for k in REGISTER_FIELDS if current.get(k) not in (None, [], {})}
    containers = [dict(c) for c in current["containerDefinitions"]]
    target = next((c for c in containers if c["name"] == container_name), containers[0])
    target["image"] = image
    wanted["containerDefinitions"] = containers
    return wanted


def push(stack, built_image_id: str, uri: str, tag: str) -> None:
    from harness.containers.engine import connect

    client = connect(timeout=60)
    try:
        client.images.get(built_image_id).tag(uri, tag)
    finally:
        client.close()
    repository = uri.rsplit("/", 1)[-1]
    try:
        stack.endpoints.client("ecr").put_image(
            repositoryName=repository, imageManifest=_manifest(built_image_id), imageTag=tag
        )
    except Exception as exc:  # noqa: BLE001 - no ECR repository in this stack
        log.info("deploy: not recorded in ECR (%s)", exc)


def _manifest(image_id: str) -> str:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "digest": image_id,
                "size": 0,
            },
            "layers": [],
        }
    )


def rolled_out(status: dict, service: str, arn: str) -> bool:
    """True once the agent reports the service done on `arn`; NotYet says why not."""
    report = (status.get("components", {}).get("ecs_agent") or {}).get("services", {})
    mine = report.get(service)
    if not mine:
        raise NotYet(f"the ECS agent does not report {service}")
    if mine["task_definition"] != arn:
        raise NotYet(f"{service} still runs {mine['task_definition']}")
    live = [t for t in mine["tasks"] if t["state"] != "STOPPED"]
    old = [t for t in live if t["task_definition"] != arn]
    if old or mine["healthy"] != mine["desired"] or len(live) != mine["desired"]:
        raise NotYet(
            f"{len(old)} old task(s) left, {mine['healthy']}/{mine['desired']} healthy on the new"
        )
    return True


def roll_onto(stack, revision: dict, *, timeout: float, what: str = "") -> str:
    """Register `revision` as the service's task definition and wait for the rolling
    deployment to finish; its ARN."""
    ecs, record = stack.endpoints.client("ecs"), stack.record
    arn = ecs.register_task_definition(**revision)["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster=record.cluster, service=record.service, taskDefinition=arn)
    wait_until(
        lambda: rolled_out(stack.describe(), record.service, arn),
        what=f"the rolling deployment of {arn}{what}",
        timeout=timeout,
        interval=0.5,
        transient=(NotYet, OSError),
    )
    return arn


def deploy_api(stack, *, timeout: float = 180.0, build: bool | None = None) -> ApiDeployment:
    """`build` None: build where an engine answers, else deploy the source without an image."""
    from harness.containers.api_image import source_revision
    from harness.containers.engine import unavailable_reason

    seconds: dict[str, float] = {}
    began = time.monotonic()
    record = stack.record
    ecs = stack.endpoints.client("ecs")
    service = ecs.describe_services(cluster=record.cluster, services=[record.service])
    current_arn = service["services"][0]["taskDefinition"]
    current = ecs.describe_task_definition(taskDefinition=current_arn)["taskDefinition"]
    uri = repository_uri(stack, current["containerDefinitions"][0]["image"])

    no_engine = unavailable_reason()
    if build is None:
        build = no_engine is None
    elif build and no_engine:
        raise HarnessError(f"deploy api: {no_engine}")
    if build:
        from harness.containers.api_image import build_api_image
        from harness.containers.engine import connect

        client = connect(timeout=600)
        try:
            built = build_api_image(client)
        finally:
            client.close()
        tag = built.source_tag.rsplit(":", 1)[1]
        seconds["build"] = built.seconds["total"]
        mark = time.monotonic()
        push(stack, built.image_id, uri, tag)
        seconds["push"] = time.monotonic() - mark
    else:
        log.info("deploy api: no image built (%s); the process runtime runs api/", no_engine)
        tag = f"{__version__}-{source_revision()}"
    image = f"{uri}:{tag}"

    mark = time.monotonic()
    arn = roll_onto(stack, new_revision(current, image), timeout=timeout)
    seconds["roll"] = time.monotonic() - mark
    seconds["total"] = time.monotonic() - began
    return ApiDeployment(image=image, task_definition_arn=arn, built=build, seconds=seconds)
