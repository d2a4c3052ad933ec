"""A certificate authority of the run directory: it issues the edge's server certificate for
the distribution's alternate domain names, and browsers and clients of this stack trust it.

ACM never hands out the private key of a public certificate, so locally this CA stands in for
ACM's issuer. Its key stays in `<run_dir>/tls/` (mode 0600) and is made once per run dir.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import pathlib
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

# cryptography is imported where a key or certificate is made: a process that only serves a
# certificate (the edge's own process) or trusts the CA does not load it (~12 MiB, #14).

CA_NAME = "AnimeHub local CA"
CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
CA_DAYS = 3650
LEAF_DAYS = 397  # what browsers accept for a server certificate at most


@dataclass(frozen=True)
class ServerCertificate:
    cert_path: pathlib.Path  # the leaf, then the CA: the chain a TLS server sends
    key_path: pathlib.Path


def trusting(ca_file: str | os.PathLike | None) -> ssl.SSLContext | bool:
    """httpx's `verify=` for the edge: the run's CA and nothing else, or (no CA: a deployed
    edge) the usual public roots."""
    if not ca_file:
        return True
    return ssl.create_default_context(cafile=str(ca_file))


def _now() -> datetime.datetime:
    # Wall clock on purpose: the browser checks validity on real time, not the stack clock.
    return datetime.datetime.now(datetime.UTC)


def _write_private(path: pathlib.Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


class LocalCA:
    """`LocalCA(dir)` loads the CA kept in `dir`, or makes one there."""

    def __init__(self, directory: pathlib.Path) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        self.directory = pathlib.Path(directory)
        self.cert_path = self.directory / CA_FILE
        key_path = self.directory / CA_KEY_FILE
        if self.cert_path.exists() and key_path.exists():
            self._cert = x509.load_pem_x509_certificate(self.cert_path.read_bytes())
            self._key = serialization.load_pem_private_key(key_path.read_bytes(), None)
            if self._cert.not_valid_after_utc > _now() + datetime.timedelta(days=LEAF_DAYS):
                return
        self.directory.mkdir(parents=True, exist_ok=True)
        self._key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME)])
        now = _now()
        self._cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    key_cert_sign=True,
                    crl_sign=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self._key.public_key()), critical=False
            )
            .sign(self._key, hashes.SHA256())
        )
        _write_private(key_path, _pem_key(self._key))
        self.cert_path.write_bytes(self._cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, name: str, dns_names: list[str], ip_addresses: list[str]) -> ServerCertificate:
        """A server certificate for these names, written as `<name>.pem` / `<name>-key.pem`."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        now = _now()
        alt_names: list[x509.GeneralName] = [x509.DNSName(n) for n in dns_names]
        alt_names += [x509.IPAddress(ipaddress.ip_address(a)) for a in ip_addresses]
        subject = dns_names[0] if dns_names else ip_addresses[0]
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(self._cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=LEAF_DAYS))
            .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()),
                critical=False,
            )
            .sign(self._key, hashes.SHA256())
        )
        cert_path = self.directory / f"{name}.pem"
        key_path = self.directory / f"{name}-key.pem"
        _write_private(key_path, _pem_key(key))
        cert_path.write_bytes(
            cert.public_bytes(serialization.Encoding.PEM)
            + self._cert.public_bytes(serialization.Encoding.PEM)
        )
        return ServerCertificate(cert_path, key_path)
