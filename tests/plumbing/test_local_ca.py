"""The run's local CA: made once per directory, server certificates that verify against it for
the names they were issued for, and only those."""

from __future__ import annotations

import socket
import ssl
import threading

import pytest

from harness.plumbing.local_ca import LocalCA


def _handshake(ca_file, cert, server_name: str) -> str:
    """A TLS handshake over a socket pair; returns the peer's subject common name."""
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert.cert_path, cert.key_path)
    client_ctx = ssl.create_default_context(cafile=str(ca_file))
    left, right = socket.socketpair()
    server_error: list[BaseException] = []

    def serve() -> None:
        try:
            with server_ctx.wrap_socket(right, server_side=True):
                pass
        except (ssl.SSLError, OSError) as exc:
            server_error.append(exc)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with client_ctx.wrap_socket(left, server_hostname=server_name) as tls:
            subject = dict(x[0] for x in tls.getpeercert()["subject"])
            return subject["commonName"]
    finally:
        thread.join(10)


def test_the_ca_is_made_once_per_directory_and_kept_private(tmp_path):
    first = LocalCA(tmp_path)
    second = LocalCA(tmp_path)
    assert first.cert_path.read_bytes() == second.cert_path.read_bytes()
    assert (tmp_path / "ca-key.pem").stat().st_mode & 0o077 == 0


def test_a_server_certificate_verifies_for_its_names_only(tmp_path):
    ca = LocalCA(tmp_path)
    cert = ca.issue("edge", ["animehub.localhost"], ["127.0.0.1"])
    assert (tmp_path / "edge-key.pem").stat().st_mode & 0o077 == 0
    assert _handshake(ca.cert_path, cert, "animehub.localhost") == "animehub.localhost"
    assert _handshake(ca.cert_path, cert, "127.0.0.1") == "animehub.localhost"
    with pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch"):
        _handshake(ca.cert_path, cert, "other.localhost")


def test_another_runs_ca_is_not_trusted(tmp_path):
    cert = LocalCA(tmp_path / "one").issue("edge", ["animehub.localhost"], [])
    with pytest.raises(
        ssl.SSLCertVerificationError, match="self-signed certificate in certificate chain"
    ):
        _handshake(LocalCA(tmp_path / "two").cert_path, cert, "animehub.localhost")
