"""What the containers backend runs, as plain data: pinned images, ports, labels, routing.

The single source for these constants: docker-compose.localstack.yml is tested against them.
Nothing here needs a Docker engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from harness import __version__
from harness.control_plane.blueprint import Blueprint

# The last LocalStack release that serves its Community services without an auth token
# (from 2026.03 on, one image that always requires one).
LOCALSTACK_IMAGE = "localstack/localstack:4.14.0"
LOCALSTACK_PORT = 4566
DYNAMODB_LOCAL_IMAGE = "amazon/dynamodb-local:3.3.1"
DYNAMODB_LOCAL_PORT = 8000
# -sharedDb: one database whatever the credentials and region, like one table namespace in AWS.
DYNAMODB_LOCAL_COMMAND = ("-jar", "DynamoDBLocal.jar", "-inMemory", "-sharedDb")
# Built from api/Dockerfile (its build context is api/); the ECS agent runs tasks from it.
API_IMAGE = f"{Blueprint.image_repository}:{__version__}"
API_PORT = Blueprint.container_port

LOCALSTACK, DYNAMODB_LOCAL, EMBEDDED = "localstack", "dynamodb-local", "embedded"
RUN_LABEL = "org.animehub.run"
ROLE_LABEL = "org.animehub.role"

# Served by LocalStack Community; the others need an auth token (LocalStack's paid tiers).
COMMUNITY_SERVICES = (
    "s3",
    "sns",
    "sqs",
    "ec2",
    "cloudwatch",
    "logs",
    "iam",
    "sts",
    "cloudformation",
)
# Application Auto Scaling goes where ECS goes: it checks the service it scales exists there.
LICENSED_SERVICES = (
    "cognito-idp",
    "ecs",
    "elbv2",
    "cloudfront",
    "ecr",
    "application-autoscaling",
)


def routing(auth_token: str | None) -> dict[str, str]:
    """Service -> which emulator serves it: DynamoDB Local, LocalStack or the embedded moto."""
    licensed_to = LOCALSTACK if auth_token else EMBEDDED
    return {
        "dynamodb": DYNAMODB_LOCAL,
        **dict.fromkeys(COMMUNITY_SERVICES, LOCALSTACK),
        **dict.fromkeys(LICENSED_SERVICES, licensed_to),
    }


@dataclass(frozen=True)
class ContainerSpec:
    role: str
    image: str
    port: int
    command: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict, repr=False)  # may hold the auth token
    labels: Mapping[str, str] = field(default_factory=dict)

    def describe(self) -> dict:
        """For status: everything but the environment's values."""
        return {"image": self.image, "port": self.port, "env": sorted(self.env), **self.labels}


def _labels(role: str, run_id: str) -> dict[str, str]:
    return {RUN_LABEL: run_id, ROLE_LABEL: role}


def localstack_spec(
    region: str, auth_token: str | None, run_id: str, image: str | None = None
) -> ContainerSpec:
    served = sorted(s for s, target in routing(auth_token).items() if target == LOCALSTACK)
    env = {"SERVICES": ",".join(served), "AWS_DEFAULT_REGION": region}
    if auth_token:
        env["LOCALSTACK_AUTH_TOKEN"] = auth_token
    if image and image != LOCALSTACK_IMAGE:
        env = {"PORT": str(LOCALSTACK_PORT), "AWS_DEFAULT_REGION": region}  # a stand-in
    return ContainerSpec(
        LOCALSTACK,
        image or LOCALSTACK_IMAGE,
        LOCALSTACK_PORT,
        env=env,
        labels=_labels(LOCALSTACK, run_id),
    )


def dynamodb_local_spec(run_id: str, image: str | None = None) -> ContainerSpec:
    """A stand-in image (by setting) gets its own command and the port in $PORT."""
    if image and image != DYNAMODB_LOCAL_IMAGE:
        return ContainerSpec(
            DYNAMODB_LOCAL,
            image,
            DYNAMODB_LOCAL_PORT,
            env={"PORT": str(DYNAMODB_LOCAL_PORT)},
            labels=_labels(DYNAMODB_LOCAL, run_id),
        )
    return ContainerSpec(
        DYNAMODB_LOCAL,
        DYNAMODB_LOCAL_IMAGE,
        DYNAMODB_LOCAL_PORT,
        command=DYNAMODB_LOCAL_COMMAND,
        labels=_labels(DYNAMODB_LOCAL, run_id),
    )
