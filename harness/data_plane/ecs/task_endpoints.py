"""What the ECS agent serves its tasks on loopback, as Fargate does: the container credentials
endpoint (the task role's credentials, minted by the emulator's STS, behind the task's own
authorization token) and the task metadata endpoint v4 (the task's ARN, family, revision and
network). A task finds them through AWS_CONTAINER_CREDENTIALS_FULL_URI with
AWS_CONTAINER_AUTHORIZATION_TOKEN, and ECS_CONTAINER_METADATA_URI_V4; it gets no static keys
[AWS: task-iam-roles, task-metadata-endpoint-v4-fargate]."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from harness.clock import clock
from harness.plumbing.servers import ServerThread

# Credentials are minted again this long before they expire, as the ECS agent rotates them.
REFRESH_BEFORE_EXPIRY = 300.0


def task_arn(task_definition_arn: str, cluster: str, task_id: str) -> str:
    """arn:aws:ecs:<region>:<account>:task/<cluster>/<id>, from the task definition's ARN."""
    region, account = task_definition_arn.split(":")[3:5]
    return f"arn:aws:ecs:{region}:{account}:task/{cluster}/{task_id}"


@dataclass
class TaskIdentity:
    task_arn: str
    family: str
    revision: str
    role_arn: str | None
    ip: str
    port: int
    cluster: str
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    credentials: dict | None = None
    expires_at: float = 0.0


class TaskEndpoints:
    """One loopback server for every task of the agent; each task has its own path and token."""

    def __init__(self, endpoints) -> None:
        self._sts = endpoints.internal_client("sts")
        self._region = endpoints.region
        self._tasks: dict[str, TaskIdentity] = {}
        self._lock = threading.Lock()
        app = Starlette(
            routes=[
                Route("/v2/credentials/{key}", self._credentials),
                Route("/v4/{key}", self._task_metadata_container),
                Route("/v4/{key}/task", self._task_metadata),
            ]
        )
        self._server = ServerThread(app, name="ecs-task-endpoints")

    def start(self) -> TaskEndpoints:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def register(self, identity: TaskIdentity) -> dict[str, str]:
        """The variables that point this task at its endpoints."""
        key = secrets.token_hex(16)
        with self._lock:
            self._tasks[key] = identity
        variables = {
            "ECS_CONTAINER_METADATA_URI_V4": f"{self._server.url}/v4/{key}",
            "AWS_EXECUTION_ENV": "AWS_ECS_FARGATE",
        }
        if identity.role_arn:
            # Minted now, as the ECS agent does before the container starts: the task's first
            # call does not wait for STS.
            self._fresh_credentials(identity)
            variables["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = (
                f"{self._server.url}/v2/credentials/{key}"
            )
            variables["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = identity.token
        return variables

    def unregister(self, task_arn: str) -> None:
        with self._lock:
            for key in [k for k, t in self._tasks.items() if t.task_arn == task_arn]:
                del self._tasks[key]

    def role_of_key(self, access_key_id: str) -> str | None:
        """The role whose credentials this endpoint handed out under `access_key_id`."""
        with self._lock:
            tasks = list(self._tasks.values())
        for task in tasks:
            if task.credentials and task.credentials["AccessKeyId"] == access_key_id:
                return task.role_arn
        return None

    def _task(self, key: str) -> TaskIdentity | None:
        with self._lock:
            return self._tasks.get(key)

    async def _credentials(self, request: Request) -> JSONResponse:
        from starlette.concurrency import run_in_threadpool

        task = self._task(request.path_params["key"])
        if task is None or task.role_arn is None:
            return JSONResponse({"message": "no credentials for this task"}, status_code=404)
        if not secrets.compare_digest(request.headers.get("authorization", ""), task.token):
            return JSONResponse({"message": "authorization token does not match"}, status_code=401)
        return JSONResponse(await run_in_threadpool(self._fresh_credentials, task))

    def _fresh_credentials(self, task: TaskIdentity) -> dict:
        if task.credentials is None or clock.now() >= task.expires_at - REFRESH_BEFORE_EXPIRY:
            session = "ecs-" + task.task_arn.rsplit("/", 1)[-1][:56]
            answer = self._sts.assume_role(RoleArn=task.role_arn, RoleSessionName=session)
            minted = answer["Credentials"]
            # The emulator's STS stamps real time; the task lives on the stack clock, as a
            # Fargate task's clock agrees with AWS's. Same lifetime, counted from the task's now.
            expiration = datetime.fromtimestamp(
                minted["Expiration"].timestamp() + clock.now() - time.time(), UTC
            )
            task.credentials = {
                "RoleArn": task.role_arn,
                "AccessKeyId": minted["AccessKeyId"],
                "SecretAccessKey": minted["SecretAccessKey"],
                "Token": minted["SessionToken"],
                "Expiration": expiration.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            task.expires_at = expiration.timestamp()
        return task.credentials

    def _metadata(self, task: TaskIdentity) -> dict:
        return {
            "Cluster": task.cluster,
            "TaskARN": task.task_arn,
            "Family": task.family,
            "Revision": task.revision,
            "DesiredStatus": "RUNNING",
            "KnownStatus": "RUNNING",
            "LaunchType": "FARGATE",
            "AvailabilityZone": f"{self._region}a",
        }

    def _network(self, task: TaskIdentity) -> list[dict]:
        return [
            {
                "NetworkMode": "awsvpc",
                "IPv4Addresses": [task.ip],
                "IPv4SubnetCIDRBlock": f"{task.ip}/32",
            }
        ]

    async def _task_metadata(self, request: Request) -> JSONResponse:
        task = self._task(request.path_params["key"])
        if task is None:
            return JSONResponse({"message": "unknown task"}, status_code=404)
        container = {"Name": "api", "Networks": self._network(task)}
        return JSONResponse({**self._metadata(task), "Containers": [container]})

    async def _task_metadata_container(self, request: Request) -> JSONResponse:
        task = self._task(request.path_params["key"])
        if task is None:
            return JSONResponse({"message": "unknown task"}, status_code=404)
        return JSONResponse(
            {
                "Name": "api",
                "Labels": {
                    "com.amazonaws.ecs.cluster": task.cluster,
                    "com.amazonaws.ecs.task-arn": task.task_arn,
                    "com.amazonaws.ecs.task-definition-family": task.family,
                    "com.amazonaws.ecs.task-definition-version": task.revision,
                },
                "Networks": self._network(task),
            }
        )
