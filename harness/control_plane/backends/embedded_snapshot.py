"""The embedded emulator's state as bytes, and back: what provisioning made, restored instead of
made again.

A snapshot holds every moto backend the process has in use (each account's region backends,
pickled together so that the references between services stay shared), S3's one namespace of
bucket names (which account holds each bucket: moto keeps it beside the backends) and what the
API front keeps for CloudFront Functions (LIVE stages and behaviours' associations, which moto
has not). Restored into a fresh emulator it is the same control-plane state, ids and timestamps
included, as the run that was captured: `tests/control_plane/backends/test_embedded_snapshot.py`
compares the two through the AWS APIs.

Objects pickle cannot take are written as what they hold: locks as new locks, keys and
certificates as PEM, spooled temporary files (S3 object bodies) as their bytes.
"""

from __future__ import annotations

import functools
import io
import os
import pickle
import sys
import tempfile
import threading
from pathlib import Path

from harness.errors import HarnessError

FORMAT = 2  # raised when what a snapshot holds changes shape
CACHE_VARIABLE = "ANIMEHUB_SNAPSHOT_CACHE"


def cache_root() -> Path | None:
    """Where what makes a start fast is kept (the provisioned emulator, moto's region lists):
    `$ANIMEHUB_SNAPSHOT_CACHE`, else `$XDG_CACHE_HOME/animehub/provisioned` (~/.cache); None
    when that variable is `off`."""
    chosen = os.environ.get(CACHE_VARIABLE, "")
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "animehub" / "provisioned"


class IncompatibleSnapshot(HarnessError):
    pass


_LOCKS = (type(threading.Lock()), type(threading.RLock()))


def _new_lock() -> object:
    return threading.Lock()


def _new_rlock() -> object:
    return threading.RLock()


def _private_key(pem: bytes):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    # Written by `capture` from a key that was checked when it was made: checking an RSA key
    # again costs ~50 ms a key.
    return load_pem_private_key(pem, None, unsafe_skip_rsa_key_validation=True)


def _certificate(pem: bytes):
    from cryptography.x509 import load_pem_x509_certificate

    return load_pem_x509_certificate(pem)


def _spooled(data: bytes, max_size: int):
    spooled = tempfile.SpooledTemporaryFile(max_size=max_size)  # noqa: SIM115 (kept open: an S3 body)
    spooled.write(data)
    spooled.seek(0)
    return spooled


@functools.cache
def _crypto_types() -> tuple[tuple[type, ...], type]:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    keys = (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)
    return keys, x509.Certificate


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj):
        if isinstance(obj, _LOCKS):
            return (_new_rlock if "RLock" in type(obj).__name__ else _new_lock, ())
        if isinstance(obj, tempfile.SpooledTemporaryFile):
            where = obj.tell()
            obj.seek(0)
            data = obj.read()
            obj.seek(where)
            return (_spooled, (data, obj._max_size))
        keys, certificate = _crypto_types()
        if isinstance(obj, (*keys, certificate)):
            from cryptography.hazmat.primitives import serialization

            if isinstance(obj, certificate):
                return (_certificate, (obj.public_bytes(serialization.Encoding.PEM),))
            pem = obj.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            return (_private_key, (pem,))
        return NotImplemented


def _backend_dicts():
    from moto.core.base_backend import BackendDict

    return [bd for bd in BackendDict._instances if any(len(asb) for asb in bd.values())]


def _s3_bucket_accounts() -> dict:
    from moto.s3.models import s3_backends

    return s3_backends.bucket_accounts


def is_pristine() -> bool:
    """No moto backend holds anything yet: a snapshot may be restored without overwriting."""
    return not _backend_dicts()


def capture(cloudfront_functions=None) -> bytes:
    """Everything the in-process emulator holds, and the front's CloudFront Functions state:
    a small header (what can restore it), then the state."""
    import moto

    header = {"format": FORMAT, "moto": moto.__version__, "python": list(sys.version_info[:2])}
    state = {
        "backends": {
            bd.service_name: {account: dict(asb) for account, asb in bd.items()}
            for bd in _backend_dicts()
        },
        "cloudfront_functions": None,
        "s3_bucket_accounts": dict(_s3_bucket_accounts()),
    }
    if cloudfront_functions is not None:
        state["cloudfront_functions"] = {
            "live": cloudfront_functions.live,
            "associations": cloudfront_functions.associations,
        }
    buffer = io.BytesIO()
    pickle.dump(header, buffer, protocol=pickle.HIGHEST_PROTOCOL)
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(state)
    return buffer.getvalue()


def compatibility(data: bytes) -> str | None:
    """None when this process can restore `data`, else why not (one line)."""
    import moto

    try:
        header = pickle.load(io.BytesIO(data))
    except Exception as exc:  # a truncated or foreign file: any unpickling error
        return f"it cannot be read ({type(exc).__name__})"
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        return "it was written by another version of the harness"
    if header.get("moto") != moto.__version__:
        return f"it was taken with moto {header.get('moto')}, this is moto {moto.__version__}"
    if header.get("python") != list(sys.version_info[:2]):
        return "it was taken with Python {}.{}".format(*header["python"])
    return None


def restore(data: bytes, cloudfront_functions=None) -> None:
    """Put a captured state into this process's emulator, which must hold nothing yet."""
    from moto.backends import get_backend

    reason = compatibility(data)
    if reason:
        raise IncompatibleSnapshot(f"snapshot cannot be restored: {reason}")
    if not is_pristine():
        raise HarnessError("snapshot cannot be restored: the emulator already holds resources")
    stream = io.BytesIO(data)
    pickle.load(stream)  # the header, checked above
    state = pickle.load(stream)
    for service, accounts in state["backends"].items():
        backend_dict = get_backend(service)
        for account, regions in accounts.items():
            per_account = backend_dict[account]
            for region, backend in regions.items():
                dict.__setitem__(per_account, region, backend)
    _s3_bucket_accounts().update(state["s3_bucket_accounts"])
    kept = state["cloudfront_functions"]
    if cloudfront_functions is not None and kept is not None:
        cloudfront_functions.live.update(kept["live"])
        cloudfront_functions.associations.update(kept["associations"])
