"""Checks that need nothing started: a fixed port already taken fails before provisioning."""

from __future__ import annotations

from harness.plumbing.servers import LOOPBACK, bind
from harness.settings import Settings

FIXED_PORTS = ("edge_port", "edge_https_port", "alb_port", "emulator_port", "push_sink_port")


def check_fixed_ports(settings: Settings) -> None:
    """Bind each fixed port for a moment; a taken one is a HarnessError naming its flag."""
    for name in FIXED_PORTS:
        port = getattr(settings, name)
        if port:
            bind(LOOPBACK, port, settings.name_of(name)).close()
