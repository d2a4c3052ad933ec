"""Region lists, read once per process.

While it loads a service, moto asks a fresh boto3 Session which regions exist (EC2 alone asks
three times), and every fresh session parses botocore's endpoint data again, about 0.1 s each
time on this machine. The lists cannot change while the process runs, so the embedded backend
works them out with one session and remembers them. The answers are the same; only how often
they are computed changes.
"""

from __future__ import annotations

import threading

import boto3.session

from harness.control_plane.endpoints import shared_session

_lock = threading.Lock()
_lists: dict[tuple, list[str]] = {}
_installed = False


def remember_region_lists() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        original = boto3.session.Session.get_available_regions
        # The harness's own session: its clients have parsed the endpoint data already.
        one_session = shared_session()

        def get_available_regions(
            self, service_name, partition_name="aws", allow_non_regional=False
        ):
            key = (service_name, partition_name, allow_non_regional)
            with _lock:
                if key not in _lists:
                    _lists[key] = original(one_session, *key)
                return list(_lists[key])

        get_available_regions.__doc__ = original.__doc__
        boto3.session.Session.get_available_regions = get_available_regions
        _installed = True
