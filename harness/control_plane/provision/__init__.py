"""Apply the blueprint through boto3, idempotently: a second run changes nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from harness.control_plane.blueprint import Blueprint
from harness.control_plane.endpoints import STACK_SERVICES, EndpointMap
from harness.control_plane.provision.compute import api_environment, provision_compute
from harness.control_plane.provision.distribution import provision_distribution
from harness.control_plane.provision.identity import provision_identity
from harness.control_plane.provision.load_balancing import provision_load_balancing
from harness.control_plane.provision.messaging import provision_messaging
from harness.control_plane.provision.monitoring import provision_monitoring
from harness.control_plane.provision.network import provision_network
from harness.control_plane.provision.storage import provision_bucket_policies, provision_storage
from harness.control_plane.provision.tables import provision_tables
from harness.control_plane.record import StackRecord

__all__ = ["provision", "api_environment"]


def provision(endpoints: EndpointMap, bp: Blueprint) -> StackRecord:
    clients = {name: endpoints.client(name) for name in STACK_SERVICES}
    made: dict = {"region": bp.region}
    # The independent groups go side by side; the service and the distribution need their output.
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="provision") as pool:
        network_lb = pool.submit(lambda: _network_and_lb(clients["ec2"], clients["elbv2"], bp))
        storage = pool.submit(provision_storage, clients["s3"], bp)
        tables = pool.submit(provision_tables, clients["dynamodb"], bp)
        identity = pool.submit(provision_identity, clients["cognito-idp"], bp)
        messaging = pool.submit(provision_messaging, clients["sns"], clients["sqs"], bp)
        for future in (network_lb, storage, tables, identity, messaging):
            made.update(future.result())
    made.update(provision_compute(clients["ecs"], bp, made))
    made.update(provision_distribution(clients["cloudfront"], bp, made))
    provision_bucket_policies(clients["s3"], clients["cloudfront"], bp, made)
    provision_monitoring(endpoints.client("cloudwatch"), clients["sns"], bp, made)
    return StackRecord(**made)


def _network_and_lb(ec2, elbv2, bp: Blueprint) -> dict:
    network = provision_network(ec2, bp)
    return {**network, **provision_load_balancing(elbv2, bp, network)}
