"""The edge served from a process of its own (`EdgeProcess`, what a stack runs): the same
distribution, cache, invalidations and faults as the in-process `Edge`, read through its
control listener. AWS pages: CloudFront Developer Guide, "Invalidating files"; the X-Cache
header of "How CloudFront processes requests" (Hit from cloudfront); [cnames-and-https-requirements]
an alternate domain name is served with a certificate that covers it."""

from __future__ import annotations

import os
import signal
import ssl
import uuid

import httpx
import pytest

from harness.data_plane.edge import EdgeProcess
from harness.errors import HarnessError
from harness.faults.rules import new_fault
from harness.faults.store import FaultStore
from harness.plumbing.servers import bind
from harness.plumbing.waiting import wait_until
from tests.data_plane.edge.conftest import ALB_DOMAIN, distribution_config

PATIENCE = 60.0  # only catches a hang


@pytest.fixture(scope="module")
def edge_process(endpoints, distribution, origin, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("edge-process")
    running = EdgeProcess(
        endpoints,
        distribution,
        {ALB_DOMAIN: origin.url},
        refresh_interval=0.2,
        log_dir=run_dir / "logs",
        faults=FaultStore(run_dir),
    ).start()
    yield running
    running.stop()


def test_the_edge_serves_from_its_own_process_with_its_cache(edge_process, buckets):
    s3, web, _ = buckets
    key = f"process-{uuid.uuid4().hex[:8]}.txt"
    s3.put_object(Bucket=web, Key=key, Body=b"v1", ContentType="text/plain")
    with httpx.Client(base_url=edge_process.url, trust_env=False) as viewer:
        first, second = viewer.get(f"/{key}"), viewer.get(f"/{key}")
    assert (first.headers["x-cache"], second.headers["x-cache"]) == (
        "Miss from cloudfront",
        "Hit from cloudfront",
    )
    assert second.content == b"v1"
    health = edge_process.health()
    assert health["serving"] and health["pid"] != os.getpid()
    assert f"/{key}" in {e["path"] for e in edge_process.cache_entries()}


def test_an_invalidation_is_applied_by_the_process(edge_process, endpoints, distribution, buckets):
    s3, web, _ = buckets
    key = f"purge-{uuid.uuid4().hex[:8]}.txt"
    s3.put_object(Bucket=web, Key=key, Body=b"old", ContentType="text/plain")
    url = f"{edge_process.url}/{key}"
    assert httpx.get(url, trust_env=False).content == b"old"
    s3.put_object(Bucket=web, Key=key, Body=b"new", ContentType="text/plain")
    invalidation = endpoints.client("cloudfront").create_invalidation(
        DistributionId=distribution,
        InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": [f"/{key}"]},
            "CallerReference": uuid.uuid4().hex,
        },
    )["Invalidation"]
    edge_process.poll_now()
    wait_until(
        lambda: edge_process.invalidation_applied(invalidation["Id"]),
        what="the edge process to apply the invalidation",
        timeout=PATIENCE,
    )
    assert httpx.get(url, trust_env=False).content == b"new"


def test_a_viewer_edge_fault_is_met_and_counted_in_the_process(edge_process):
    fault = edge_process.faults.add(new_fault("viewer-edge", "status", status=503, path="/x-"))
    try:
        answer = httpx.get(f"{edge_process.url}/x-faulty", trust_env=False)
    finally:
        edge_process.faults.clear(fault.id)
    assert answer.status_code == 503
    assert edge_process.faults_injected(fault.id) == 1


def test_a_taken_port_is_one_clear_error_and_no_process_left(endpoints, distribution):
    taken = bind("127.0.0.1", 0, "test")
    taken.listen()
    port = taken.getsockname()[1]
    try:
        edge = EdgeProcess(endpoints, distribution, {}, port=port)
        with pytest.raises(HarnessError, match=f"port {port} on 127.0.0.1 is already in use"):
            edge.start()
        assert edge.health()["serving"] is False
    finally:
        taken.close()


def test_a_dead_edge_process_is_an_error_in_health_not_in_every_read(endpoints, distribution):
    edge = EdgeProcess(endpoints, distribution, {}).start()
    try:
        os.kill(edge.health()["pid"], signal.SIGKILL)
        with pytest.raises(HarnessError, match="its process does not answer /health"):
            edge.health()
        assert edge.cache_entries() == []
        assert edge.invalidation_applied("I2J0I21PCUYOIK") is False
        assert edge.faults_injected("abc") == 0
    finally:
        edge.stop()


def test_stop_ends_the_process(endpoints, distribution):
    edge = EdgeProcess(endpoints, distribution, {}).start()
    pid = edge.health()["pid"]
    edge.stop()
    edge.stop()  # idempotent
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_https_from_the_process_has_a_certificate_for_the_alias(
    endpoints, buckets, origin, tmp_path
):
    """The harness issues the certificate (the edge's process never loads the CA's library)
    for the aliases it reads through the CloudFront API."""
    alias = "process.animehub.localhost"
    _, web, media = buckets
    config = distribution_config(web, media)
    config["Aliases"] = {"Quantity": 1, "Items": [alias]}
    config["ViewerCertificate"] = {
        "ACMCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/edge-process",
        "SSLSupportMethod": "sni-only",
        "MinimumProtocolVersion": "TLSv1.2_2021",
    }
    created = endpoints.client("cloudfront").create_distribution(DistributionConfig=config)
    edge = EdgeProcess(
        endpoints, created["Distribution"]["Id"], {ALB_DOMAIN: origin.url}, tls_dir=tmp_path
    ).start()
    try:
        trusted = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
        with httpx.Client(verify=trusted, trust_env=False, timeout=PATIENCE) as viewer:
            answer = viewer.get(f"{edge.https_url}/api/echo", extensions={"sni_hostname": alias})
        assert answer.status_code == 200, answer.text
        assert edge.alias_url == f"https://{alias}:{edge.https_url.rsplit(':', 1)[1]}"
    finally:
        edge.stop()
