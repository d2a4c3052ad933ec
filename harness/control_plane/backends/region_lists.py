"""Region lists for the embedded emulator's backends, answered by the harness's warm session.

While it loads a service, moto asks `AccountSpecificBackend.get_session()` which regions each
partition has (about 70 questions for the services AnimeHub uses). Asked of moto's own fresh
boto3 Session, each answer first loads botocore data that session has not read yet: measured
at 0.08-0.14 s a question on this machine, 6-10 s of `harness up` in all. Asked of the
harness's shared session, which has read that data already, all of them take 0.03 s.

EC2's catalogue of regions asks three more times, from fresh Sessions, while its module is
imported (1-2 s each under load): the embedded backend imports that module itself, before its
server starts, with `boto3.Session` pointing at the same object for the length of that one
import.

So moto, and only moto, gets an object that answers those questions from the shared session
and remembers the answers. botocore reads a service's whole model to answer one (for its
endpoint prefix): 15% of a start's main thread once provisioning is restored (#14). The answers
depend on botocore's data alone, so they are also kept on disk, per botocore version, next to
the provisioned emulator (embedded_snapshot.cache_root; not kept when that cache is off).
boto3's Session class is not patched: other libraries' sessions in
the process behave exactly as without the harness. The answers are the same lists; only where
they are computed changes. The same import reads EC2's instance type offerings per region on
first use instead of all at once (ec2_offerings.py).
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import tempfile
import threading
from pathlib import Path

from harness.control_plane.backends.embedded_snapshot import cache_root
from harness.control_plane.endpoints import shared_session

log = logging.getLogger(__name__)


def _kept_file() -> Path | None:
    import botocore

    root = cache_root()
    return root / f"region-lists-botocore-{botocore.__version__}.json" if root else None


class RegionLists:
    """The part of a boto3 Session that moto's backends use, answered once per question."""

    def __init__(self, kept: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._kept = kept
        self._answers: dict[tuple, list[str]] = {}
        try:
            if kept is not None and kept.is_file():
                for key, answer in json.loads(kept.read_text()):
                    self._answers[tuple(key)] = answer
        except (OSError, ValueError, TypeError) as exc:
            log.warning("region lists in %s not read (%s): asking botocore", kept, exc)

    def _remembered(self, key: tuple, compute) -> list[str]:
        with self._lock:
            if key not in self._answers:
                self._answers[key] = list(compute())
                self._keep()
            return list(self._answers[key])

    def _keep(self) -> None:
        if self._kept is None:
            return
        try:
            self._kept.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", dir=self._kept.parent, prefix=".region-lists-", delete=False
            ) as aside:
                json.dump([[list(k), v] for k, v in self._answers.items()], aside)
            os.replace(aside.name, self._kept)
        except OSError as exc:
            log.warning("region lists not kept in %s: %s", self._kept, exc)

    def get_available_partitions(self) -> list[str]:
        return self._remembered(("partitions",), shared_session().get_available_partitions)

    def get_available_regions(
        self, service_name: str, partition_name: str = "aws", allow_non_regional: bool = False
    ) -> list[str]:
        key = (service_name, partition_name, allow_non_regional)
        return self._remembered(key, lambda: shared_session().get_available_regions(*key))


_install_lock = threading.Lock()
EC2_REGIONS = "moto.ec2.models.availability_zones_and_regions"


def remember_region_lists() -> None:
    """Point moto's backends at one RegionLists (once per process)."""
    from moto.core.base_backend import AccountSpecificBackend

    with _install_lock:
        if isinstance(AccountSpecificBackend.get_session(), RegionLists):
            return
        lists = RegionLists(_kept_file())
        AccountSpecificBackend.get_session = classmethod(lambda cls: lists)
        _import_ec2_regions(lists)


def _import_ec2_regions(lists: RegionLists) -> None:
    if EC2_REGIONS in sys.modules:
        return
    import boto3

    from harness.control_plane.backends.ec2_offerings import importing_instance_types

    real = boto3.Session
    boto3.Session = lambda *args, **kwargs: lists
    try:
        with importing_instance_types():
            module = importlib.import_module(EC2_REGIONS)
    finally:
        boto3.Session = real
    module.Session = real  # it bound the name at import; later calls get the real class
