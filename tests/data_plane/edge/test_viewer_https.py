"""The edge's viewer side over HTTPS: a certificate for the distribution's alternate domain name
from the run's local CA, and each behaviour's ViewerProtocolPolicy for requests over HTTP.

[using-https-viewers-to-cloudfront] redirect-to-https: GET/HEAD 301 with the HTTPS URL; POST,
PUT, DELETE, OPTIONS, PATCH 307 over HTTP/1.1 and later, 403 below; https-only: 403.
[cnames-and-https-requirements] an alternate domain name is served with a certificate that
covers it (CloudFront API reference, ViewerCertificate / Aliases).
"""

from __future__ import annotations

import json
import socket
import ssl

import httpx
import pytest

from harness.control_plane.provision.storage import cloudfront_read_policy
from harness.data_plane.edge import Edge
from tests.data_plane.edge.conftest import ALB_DOMAIN, INDEX, distribution_config

ALIAS = "www.animehub.localhost"


@pytest.fixture(scope="module")
def https_edge(endpoints, buckets, origin, tmp_path_factory):
    s3, web, media = buckets
    config = distribution_config(web, media)
    config["Aliases"] = {"Quantity": 1, "Items": [ALIAS]}
    config["ViewerCertificate"] = {
        "ACMCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/edge-tests",
        "SSLSupportMethod": "sni-only",
        "MinimumProtocolVersion": "TLSv1.2_2021",
    }
    config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] = "redirect-to-https"
    for behaviour in config["CacheBehaviors"]["Items"]:
        pattern = behaviour["PathPattern"]
        behaviour["ViewerProtocolPolicy"] = (
            "https-only" if pattern == "/media/*" else "redirect-to-https"
        )
    cloudfront = endpoints.client("cloudfront")
    created = cloudfront.create_distribution(DistributionConfig=config)["Distribution"]
    for bucket, listable in ((web, True), (media, False)):
        policy = cloudfront_read_policy(bucket, created["ARN"], listable=listable)
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    tls_dir = tmp_path_factory.mktemp("tls")
    running = Edge(
        endpoints, created["Id"], {ALB_DOMAIN: origin.url}, log_dir=tls_dir, tls_dir=tls_dir
    ).start()
    yield running
    running.stop()


@pytest.fixture
def trusted(https_edge):
    """A client that trusts the run's CA and nothing else, naming the alias in SNI."""
    context = ssl.create_default_context(cafile=str(https_edge.tls_dir / "ca.pem"))
    with httpx.Client(verify=context, trust_env=False, timeout=30) as client:
        yield client


def _get(client, url: str, **kw) -> httpx.Response:
    return client.get(url, extensions={"sni_hostname": ALIAS}, headers={"host": ALIAS}, **kw)


def test_https_serves_the_alias_with_a_certificate_the_run_ca_issued(https_edge, trusted):
    assert https_edge.https_url.startswith("https://127.0.0.1:")
    answer = _get(trusted, https_edge.https_url + "/")
    assert answer.status_code == 200
    assert answer.content == INDEX
    assert answer.headers["x-cache"] in ("Miss from cloudfront", "Hit from cloudfront")
    api = trusted.get(https_edge.https_url + "/api/echo", extensions={"sni_hostname": ALIAS})
    assert api.status_code == 200, api.text
    assert https_edge.health()["aliases"] == [ALIAS]


def test_a_client_that_does_not_trust_the_run_ca_refuses_the_edge(https_edge):
    with (
        httpx.Client(trust_env=False, timeout=30) as public_roots_only,
        pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        _get(public_roots_only, https_edge.https_url + "/")


def test_a_name_the_certificate_does_not_cover_is_refused(https_edge, trusted):
    with pytest.raises(httpx.ConnectError, match="Hostname mismatch"):
        trusted.get(https_edge.https_url + "/", extensions={"sni_hostname": "other.localhost"})


def test_http_get_is_redirected_with_301_to_the_same_url_over_https(https_edge, trusted):
    with httpx.Client(trust_env=False, timeout=30) as plain:
        answer = plain.get(https_edge.url + "/index.html?x=1", headers={"host": ALIAS})
    assert answer.status_code == 301
    port = https_edge.https_url.rsplit(":", 1)[1]
    assert answer.headers["location"] == f"https://{ALIAS}:{port}/index.html?x=1"
    assert answer.headers["x-cache"] == "Redirect from cloudfront"
    followed = _get(trusted, https_edge.https_url + "/index.html?x=1")
    assert (followed.status_code, followed.content) == (200, INDEX)


def test_http_post_is_redirected_with_307_keeping_method_and_body(https_edge, origin):
    before = origin.hits.get("/api/upload", 0)
    with httpx.Client(trust_env=False, timeout=30) as plain:
        answer = plain.post(https_edge.url + "/api/upload", content=b"a,b")
    assert answer.status_code == 307
    assert answer.headers["location"].startswith("https://127.0.0.1:")
    assert origin.hits.get("/api/upload", 0) == before  # nothing reached the origin over HTTP


def test_http_1_0_post_is_refused_with_403(https_edge):
    host, port = https_edge.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(b"POST /api/upload HTTP/1.0\r\nContent-Length: 1\r\n\r\nx")
        status_line = sock.makefile("rb").readline()
    assert status_line.split()[1] == b"403", status_line


def test_https_only_refuses_http_with_403(https_edge, trusted, buckets):
    s3, _, media = buckets
    s3.put_object(Bucket=media, Key="media/cover.png", Body=b"png", ContentType="image/png")
    with httpx.Client(trust_env=False, timeout=30) as plain:
        answer = plain.get(https_edge.url + "/media/cover.png")
    assert answer.status_code == 403
    assert "location" not in answer.headers
    assert _get(trusted, https_edge.https_url + "/media/cover.png").content == b"png"
