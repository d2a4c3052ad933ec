"""Apply the blueprint through boto3, idempotently: a second run changes nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields

from harness.control_plane.blueprint import Blueprint
from harness.control_plane.endpoints import STACK_SERVICES, EndpointMap
from harness.control_plane.provision.certificate import provision_certificate
from harness.control_plane.provision.compute import api_environment, provision_compute
from harness.control_plane.provision.distribution import provision_distribution
from harness.control_plane.provision.identity import provision_identity
from harness.control_plane.provision.load_balancing import provision_load_balancing
from harness.control_plane.provision.messaging import provision_messaging
from harness.control_plane.provision.monitoring import provision_monitoring
from harness.control_plane.provision.network import provision_network, provision_vpc_endpoints
from harness.control_plane.provision.registry_and_logs import (
    provision_log_group,
    provision_repository,
)
from harness.control_plane.provision.roles import provision_roles
from harness.control_plane.provision.scaling import provision_scaling
from harness.control_plane.provision.storage import provision_bucket_policies, provision_storage
from harness.control_plane.provision.tables import provision_tables
from harness.control_plane.record import StackRecord

__all__ = ["provision", "api_environment"]


def provision(endpoints: EndpointMap, bp: Blueprint) -> StackRecord:
    clients = {name: endpoints.internal_client(name) for name in STACK_SERVICES}
    made: dict = {"region": bp.region}

    def phase(pool: ThreadPoolExecutor, *steps) -> None:
        for future in [pool.submit(step) for step in steps]:
            made.update(future.result())

    # Each phase's steps go side by side; a phase needs the output of the ones before it.
    with ThreadPoolExecutor(max_workers=7, thread_name_prefix="provision") as pool:
        phase(
            pool,
            lambda: provision_network(clients["ec2"], bp),
            lambda: provision_storage(clients["s3"], bp),
            lambda: provision_tables(clients["dynamodb"], bp),
            lambda: provision_identity(clients["cognito-idp"], bp),
            lambda: provision_messaging(clients["sns"], clients["sqs"], bp),
            lambda: provision_repository(clients["ecr"], bp),
            lambda: provision_log_group(clients["logs"], bp),
            lambda: provision_certificate(endpoints.internal_client("acm"), bp),
        )
        phase(
            pool,
            lambda: provision_load_balancing(clients["elbv2"], bp, made),
            lambda: provision_vpc_endpoints(clients["ec2"], bp, made),
            lambda: provision_roles(clients["iam"], bp, made),
        )
        phase(
            pool,
            lambda: provision_compute(clients["ecs"], bp, made),
            lambda: _distribution_and_policies(clients["cloudfront"], clients["s3"], bp, made),
        )
    provision_monitoring(endpoints.internal_client("cloudwatch"), clients["sns"], bp, made)
    provision_scaling(endpoints.internal_client("application-autoscaling"), bp, made)
    recorded = {f.name for f in fields(StackRecord)}
    return StackRecord(**{name: value for name, value in made.items() if name in recorded})


def _distribution_and_policies(cloudfront, s3, bp: Blueprint, made: dict) -> dict:
    distribution = provision_distribution(cloudfront, bp, made)
    provision_bucket_policies(s3, cloudfront, bp, {**made, **distribution})
    return distribution
