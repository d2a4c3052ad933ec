"""The one mapping that decides where each AWS API is served: service name -> endpoint URL."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache

import boto3
import botocore.session
from botocore.config import Config

# The services the stack provisions and the API calls: a backend must serve each.
STACK_SERVICES = (
    "s3",
    "dynamodb",
    "cognito-idp",
    "sns",
    "sqs",
    "ec2",
    "ecs",
    "elbv2",
    "cloudfront",
    "ecr",
    "logs",
    "iam",
)
# Every service AnimeHub and its harness talk to, by botocore's name.
SERVICES = (
    *STACK_SERVICES,
    "cloudwatch",
    "application-autoscaling",
    "sts",
    "cloudformation",
)

# One botocore session for the process: it caches the service models, which are slow to load.
# Creating clients from it is not thread-safe, hence the lock.
_SESSION_LOCK = threading.Lock()


@cache
def shared_session() -> boto3.session.Session:
    return boto3.session.Session(botocore_session=botocore.session.get_session())


def keep_endpoint_data_of(services: Iterable[str]) -> None:
    """This process's session keeps botocore's endpoint data (each partition's entry for a
    service: its regions, hostnames, signing scopes) for these services only; a client of any
    other service is refused. The whole file is 7 MiB of memory once read, for a process that
    talks to two services (the edge's own process, #14). Call before the first client."""
    from botocore.regions import EndpointResolver

    kept = frozenset(services)
    session = shared_session()._session
    loader = session.get_component("data_loader")
    for base in loader.search_paths:  # botocore's own order: ~/.aws/models, then its data
        data = loader.file_loader.load_file(os.path.join(base, "endpoints"))
        if data is not None:
            break
    else:
        return
    partitions = [
        p | {"services": {k: v for k, v in p["services"].items() if k in kept}}
        for p in data["partitions"]
    ]
    # Round-tripped so the kept entries are fresh objects and the whole file can be freed.
    data = json.loads(json.dumps(data | {"partitions": partitions}))

    class KeptEndpoints(EndpointResolver):
        def construct_endpoint(self, service_name, *args, **kwargs):
            if service_name not in kept:
                raise RuntimeError(f"endpoint data for {service_name} was not kept")
            return super().construct_endpoint(service_name, *args, **kwargs)

    resolver = KeptEndpoints(data, uses_builtin_data=loader.is_builtin_path(base))
    session._internal_components.register_component("endpoint_resolver", resolver)


_CLIENT_CONFIG = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5)


@cache
def endpoint_variable(service: str) -> str:
    """The variable botocore reads for one service, e.g. cognito-idp ->
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER (derived from the service's serviceId)."""
    model = shared_session()._session.get_service_model(service)
    return "AWS_ENDPOINT_URL_" + model.service_id.replace(" ", "_").replace("-", "_").upper()


@dataclass(frozen=True)
class EndpointMap:
    """Where each service answers, plus the region and credentials to use there.

    `default` is the URL for every service without one of its own; None means real AWS.
    """

    default: str | None
    region: str
    per_service: Mapping[str, str] = field(default_factory=dict)
    access_key_id: str = "testing"
    secret_access_key: str = "testing"
    uses_real_credentials: bool = False
    # Set by a Stack on the embedded backend: its own parts' clients (`internal_client`) reach
    # the parts this process serves without a socket.
    in_process: bool = False

    def url(self, service: str) -> str | None:
        return self.per_service.get(service, self.default)

    def pointing(self, services, url: str | None) -> EndpointMap:
        """This map with `services` answered at `url` (a front standing before the emulator)."""
        per_service = {**self.per_service, **dict.fromkeys(services, url)}
        return replace(self, per_service=per_service)

    def env(self) -> dict[str, str]:
        """The standard variables that point the AWS CLI and SDKs (and the API) here."""
        env = {"AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region}
        if not self.uses_real_credentials:
            env["AWS_ACCESS_KEY_ID"] = self.access_key_id
            env["AWS_SECRET_ACCESS_KEY"] = self.secret_access_key
        if self.default:
            env["AWS_ENDPOINT_URL"] = self.default
        for service, url in sorted(self.per_service.items()):
            env[endpoint_variable(service)] = url
        return env

    def client(self, service: str, config: Config | None = None):
        """A boto3 client pointed here; `config` replaces the default timeouts and retries."""
        kwargs = {"region_name": self.region, "config": config or _CLIENT_CONFIG}
        if not self.uses_real_credentials:
            kwargs["aws_access_key_id"] = self.access_key_id
            kwargs["aws_secret_access_key"] = self.secret_access_key
        url = self.url(service)
        if url:
            kwargs["endpoint_url"] = url
        with _SESSION_LOCK:
            return shared_session().client(service, **kwargs)

    def internal_client(self, service: str, config: Config | None = None):
        """A client for the stack's own parts (the ECS agent, the ALB, provisioning...): as
        `client`, but where the map is `in_process`, a request to the emulator or a front served
        in this process is handed over without a socket (plumbing/in_process_boto.py). Tests,
        users and the API tasks hold `client`s: always sockets."""
        client = self.client(service, config)
        if self.in_process:
            from harness.plumbing.in_process_boto import hand_over

            hand_over(client)
        return client

    def describe(self) -> dict[str, str]:
        """Each known service and where it points, for `status` and report headers."""
        return {s: self.url(s) or "aws" for s in SERVICES}
