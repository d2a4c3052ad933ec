"""The messages the embedded moto's SNS delivers (to SQS) signed with one certificate per
region, as SNS signs them (#14).

moto 5.2 makes and signs a new certificate for every message it delivers and keeps every one,
each under a SigningCertURL of its own: ~4% of the harness process's CPU under share load, and
memory that grows with each message. SNS signs with its region's certificate, so a message's
SigningCertURL is the same from one message to the next [sns-verify-signature-of-message]: here
the region's default-account backend (the one moto serves the `.pem` URLs from) holds one key
and certificate, made when first needed and made anew once expired. An earlier certificate
stays served, so a message still queued verifies against the one it names.

The message is the one moto makes (its fields and values, in its order); the signature covers
the fields SNS's documentation lists, Subject included when the message has one (moto's own
signature left it out, so such a message did not verify)."""

from __future__ import annotations

import threading

from cryptography import x509
from cryptography.x509.oid import NameOID

from harness.control_plane.backends.sns_signature_on_read import (
    sign_sqs_deliveries_on_read,
    signed_on_read,
    stand_in,
)

# moto's signature version for what it delivers (it signs with SHA256 whatever the topic says)
SIGNATURE_VERSION = "2"
# the issuer moto names in its certificates
ISSUER = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Amazon"),
        x509.NameAttribute(NameOID.COMMON_NAME, "Amazon RSA 2048 M01"),
    ]
)

_lock = threading.Lock()
_moto_post_data = None  # moto's own, kept for the test that compares the two


def regional_signer(region: str):
    """The signer of `region`'s messages, kept on the backend that serves its certificate (so
    a reset emulator makes a new one, and a snapshot restores the one it captured)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    backend = sns_backends[DEFAULT_ACCOUNT_ID][region]
    signer = getattr(backend, "harness_signer", None)
    if signer is not None and not signer.expired():
        return signer
    with _lock:
        signer = getattr(backend, "harness_signer", None)
        if signer is None or signer.expired():
            # imported here: the delivery part's package is imported by a stack, not by an
            # emulator alone
            from harness.data_plane.sns_delivery.signing import Signer

            signer = Signer(issuer=ISSUER)
            backend._message_public_keys[signer.cert_name] = signer.cert_pem
            backend.harness_signer = signer
    return signer


def _post_data(self, message, message_id, subject, message_attributes=None) -> dict:
    """moto's Subscription.get_post_data, signed with the region's certificate (for a
    standard SQS queue, when the message is first read: sns_signature_on_read)."""
    from moto.core.utils import iso_8601_datetime_with_milliseconds

    region = self.topic.sns_backend.region_name
    signer = regional_signer(region)
    data = {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": self.topic.arn,
        "Message": message,
        "Timestamp": iso_8601_datetime_with_milliseconds(),
    }
    signed = {**data, "Subject": subject} if subject else dict(data)
    if signed_on_read(self):
        signature = stand_in(signer, signed, SIGNATURE_VERSION)
    else:
        signature = signer.sign(signed, SIGNATURE_VERSION)
    data |= {
        "SignatureVersion": SIGNATURE_VERSION,
        "Signature": signature,
        "SigningCertURL": f"https://sns.{region}.amazonaws.com/{signer.cert_name}",
        # moto's own, unchanged: it names neither the topic's region nor the subscription
        "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe"
        f"&SubscriptionArn=arn:aws:sns:us-east-1:{self.account_id}:{self.topic.name}"
        ":2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
    }
    if subject:
        data["Subject"] = subject
    if message_attributes:
        data["MessageAttributes"] = message_attributes
    return data


def sign_with_regional_certificates() -> None:
    """Idempotent; patches moto's SNS models in this process only."""
    global _moto_post_data
    from moto.sns.models import Subscription

    if Subscription.get_post_data is not _post_data:
        _moto_post_data = Subscription.get_post_data
        Subscription.get_post_data = _post_data
    sign_sqs_deliveries_on_read()


def moto_post_data(subscription, *args, **kwargs) -> dict:
    """What moto itself would have made (a new certificate and all)."""
    return _moto_post_data(subscription, *args, **kwargs)
