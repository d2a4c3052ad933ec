"""The status document of a stack in this process (`harness status --json`, `/status`)."""

from __future__ import annotations

import os

from harness import __version__
from harness.types import StatusDocument

CACHE_ENTRIES_SHOWN = 50


def health(part) -> dict | None:
    if part is None:
        return None
    try:
        return part.health()
    except Exception as exc:  # noqa: BLE001 - a part's report must not break status
        return {"error": f"{type(exc).__name__}: {exc}"}


def status_document(stack) -> StatusDocument:
    """Endpoints, edge URLs, resource ids, the clock, each component's health, faults."""
    edge = stack.edge
    return {
        "harness_version": __version__,
        "pid": os.getpid(),
        "run_dir": str(stack.run_dir.path),
        "backend": stack.settings.backend,
        "region": stack.settings.region,
        "started_at": stack.started_at,
        "edge_url": stack.edge_url,
        "edge_alias_url": edge.alias_url if edge else None,
        "edge_http_url": edge.url if edge else None,
        "edge_ca": stack.edge_ca,
        "alb_url": stack.alb.url if stack.alb else None,
        "push_sink_url": stack.push_sink.url if stack.push_sink else None,
        "mail_sink_url": stack.mail_sink.url if stack.mail_sink else None,
        "control_url": stack.control.url if stack.control else None,
        "endpoints": stack.endpoints.describe() if stack.endpoints else {},
        "environment": stack.endpoints.env() if stack.endpoints else {},
        "resources": stack.record.to_json() if stack.record else {},
        "clock": stack.clock_status(),
        "components": {
            "emulator": health(stack.backend),
            "load_balancer": health(stack.alb),
            "ecs_agent": health(stack.agent),
            "api_front": health(stack.api_front),
            "edge": health(edge),
            "edge_cache": edge.cache_entries()[:CACHE_ENTRIES_SHOWN] if edge else [],
            "push_sink": health(stack.push_sink),
            "sns_delivery": health(stack.sns_delivery),
            "mail_sink": health(stack.mail_sink),
            "cognito_front": health(stack.cognito_front),
            "s3_lifecycle": health(stack.s3_lifecycle),
            "alb_metrics": health(stack.alb_metrics),
            "alarms": health(stack.alarms),
            "autoscaling": health(stack.autoscaling),
        },
        "timings": {k: round(v, 3) for k, v in stack.timings.items()},
        "faults": [
            f.to_json() | {"summary": f.describe(), "injected": _injected(stack, f)}
            for f in stack.faults.list()
        ],
        "aws_fault_proxy_url": stack.aws_faults.url if stack.aws_faults else None,
        "internal_clients": _internal_clients(stack),
    }


def _internal_clients(stack) -> dict:
    """How the stack's own parts reach AWS: in-process (the embedded backend) or sockets."""
    if stack.endpoints is None or not stack.endpoints.in_process:
        return {"in_process": False}
    from harness.plumbing.in_process_boto import handed_over

    return {"in_process": True, "requests_handed_over": handed_over()}


def _injected(stack, fault) -> int:
    """How often requests met the fault: the edge counts its own hop (it may serve from a
    process of its own, with its own fault store)."""
    if fault.hop == "viewer-edge" and stack.edge is not None:
        return stack.edge.faults_injected(fault.id)
    return stack.faults.injected(fault.id)
