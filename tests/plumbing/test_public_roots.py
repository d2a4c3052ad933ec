"""The harness's HTTP clients share one TLS context that trusts what httpx trusts by default."""

import ssl

import httpx

from harness.plumbing.public_roots import public_roots


def test_one_context_verifying_as_httpx_does_by_default():
    shared = public_roots()
    assert shared is public_roots()
    default = httpx.create_ssl_context()
    assert (shared.verify_mode, shared.check_hostname) == (ssl.CERT_REQUIRED, True)
    assert shared.cert_store_stats() == default.cert_store_stats()
    assert shared.cert_store_stats()["x509_ca"] > 0
