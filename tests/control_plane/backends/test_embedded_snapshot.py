"""The embedded emulator's snapshot (harness/control_plane/backends/embedded_snapshot.py): a
restored snapshot is the control plane provisioning made, read back through the AWS APIs; a
snapshot this process cannot restore is refused with the reason, never half-restored."""

from __future__ import annotations

import io
import json
import pickle
import subprocess
import sys
from pathlib import Path

import moto
import pytest

from harness.control_plane.backends import embedded_snapshot
from harness.control_plane.backends.embedded_snapshot import IncompatibleSnapshot
from harness.errors import HarnessError

PROBE = Path(__file__).with_name("snapshot_probe.py")


@pytest.mark.costly  # provisions a whole stack's control plane in a process of its own
def test_a_restored_snapshot_is_the_control_plane_provisioning_made():
    # moto's state is per process: the probe provisions, snapshots, empties and restores in
    # a process of its own, and reads the control plane back after provisioning and restoring.
    probe = subprocess.run(
        [sys.executable, str(PROBE)], capture_output=True, text=True, timeout=600
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    seen = json.loads(probe.stdout)
    assert seen["emptied"], "the emulator still held resources before the restore"
    assert seen["provisioned"]["service"]["services"], "nothing was read back"
    for reading, provisioned in seen["provisioned"].items():
        assert seen["restored"][reading] == provisioned, reading
    # Provisioning over the restored emulator finds everything in place: the same record.
    assert seen["record_again"] == seen["record"]


def _snapshot_with_header(header: dict) -> bytes:
    data = io.BytesIO()
    pickle.dump(header, data)
    pickle.dump({"backends": {}, "cloudfront_functions": None}, data)
    return data.getvalue()


def test_a_snapshot_from_another_moto_version_is_refused():
    this = {"format": embedded_snapshot.FORMAT, "python": list(sys.version_info[:2])}
    assert (
        embedded_snapshot.compatibility(_snapshot_with_header(this | {"moto": moto.__version__}))
        is None
    )
    other = _snapshot_with_header(this | {"moto": "0.0.1"})
    with pytest.raises(IncompatibleSnapshot, match=r"taken with moto 0\.0\.1, this is moto "):
        embedded_snapshot.restore(other)


def test_an_unreadable_or_foreign_snapshot_is_refused():
    with pytest.raises(IncompatibleSnapshot, match=r"it cannot be read \(UnpicklingError\)"):
        embedded_snapshot.restore(b"not a snapshot")
    foreign = _snapshot_with_header({"format": embedded_snapshot.FORMAT + 1})
    with pytest.raises(IncompatibleSnapshot, match="written by another version of the harness"):
        embedded_snapshot.restore(foreign)


def test_a_snapshot_is_not_restored_over_resources():
    from moto.backends import get_backend

    get_backend("sqs")["123456789012"]["us-east-1"]  # this process's emulator holds a backend
    assert not embedded_snapshot.is_pristine()
    this = {
        "format": embedded_snapshot.FORMAT,
        "python": list(sys.version_info[:2]),
        "moto": moto.__version__,
    }
    with pytest.raises(HarnessError, match="the emulator already holds resources"):
        embedded_snapshot.restore(_snapshot_with_header(this))
