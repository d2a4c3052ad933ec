"""Message signatures as SNS makes them [sns-verify-signature-of-message]: the listed fields
of the message, each as `name\nvalue\n` in that order, signed with RSA; SignatureVersion 1 is
SHA1, 2 is SHA256; the certificate is at SigningCertURL. Here the key and the self-signed
certificate are the harness's own (a device that pins Amazon's CA would refuse them)."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

SIGNED_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
}
SIGNED_FIELDS["UnsubscribeConfirmation"] = SIGNED_FIELDS["SubscriptionConfirmation"]


def string_to_sign(message: dict) -> str:
    fields = SIGNED_FIELDS[message["Type"]]
    return "".join(f"{name}\n{message[name]}\n" for name in fields if name in message)


def _hash(version: str):
    return hashes.SHA256() if version == "2" else hashes.SHA1()  # noqa: S303 - SNS's v1


class Signer:
    """One key and its certificate (named `issuer`'s, self-signed when None)."""

    def __init__(self, issuer: x509.Name | None = None) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
        now = datetime.now(UTC)
        self.not_valid_after = now + timedelta(days=365)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(issuer or name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(self.not_valid_after)
            .sign(self._key, hashes.SHA256())
        )
        self.cert_pem = cert.public_bytes(serialization.Encoding.PEM)
        self.cert_name = f"SimpleNotificationService-{uuid.uuid4().hex}.pem"

    @property
    def signature_length(self) -> int:
        """Characters in a signature (base64 of the key's size in bytes)."""
        return 4 * -(-(self._key.key_size // 8) // 3)

    def expired(self) -> bool:
        return datetime.now(UTC) >= self.not_valid_after

    def sign(self, message: dict, version: str) -> str:
        data = string_to_sign(message).encode()
        return base64.b64encode(self._key.sign(data, padding.PKCS1v15(), _hash(version))).decode()


def verify(message: dict, cert_pem: bytes) -> bool:
    """What a device does with a message and the certificate at its SigningCertURL."""
    key = x509.load_pem_x509_certificate(cert_pem).public_key()
    try:
        key.verify(
            base64.b64decode(message["Signature"]),
            string_to_sign(message).encode(),
            padding.PKCS1v15(),
            _hash(message.get("SignatureVersion", "1")),
        )
    except Exception:  # noqa: BLE001 - InvalidSignature or a malformed field: not verified
        return False
    return True
