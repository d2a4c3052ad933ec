"""`harness status` for a person: tasks, target health, edge behaviours and cache entries."""

from __future__ import annotations

import time


def _table(headers: list[str], rows: list[list[object]]) -> list[str]:
    cells = [headers, *[["-" if v is None else str(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return [
        ("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))).rstrip()
        for row in cells
    ]


def _ok(health: dict | None) -> str:
    if health is None:
        return "not running"
    if "error" in health:
        return f"error: {health['error']}"
    return "ok"


def render(doc: dict) -> str:
    parts = doc.get("components", {})
    lines = [f"{name}: {_ok(h)}" for name, h in parts.items() if name != "edge_cache"]

    agent = parts.get("ecs_agent") or {}
    for service, info in (agent.get("services") or {}).items():
        lines += [
            "",
            f"ECS service {service}: desired {info.get('desired')}, running "
            f"{info.get('running')}, healthy {info.get('healthy')}"
            + (f" (problem: {info['problem']})" if info.get("problem") else ""),
        ]
        tasks = [
            [
                t.get("id", "")[:12],
                f"{t.get('host')}:{t.get('port')}",
                t.get("pid"),
                t.get("state"),
                t.get("alb_state"),
                t.get("stopped_reason"),
            ]
            for t in info.get("tasks", [])
        ]
        lines += _table(["task", "address", "pid", "state", "in the ALB", "stopped"], tasks)

    alb = parts.get("load_balancer") or {}
    if alb.get("targets") is not None:
        lines += ["", f"load balancer targets (health check {_health_check(alb)}):"]
        targets = [
            [
                f"{t.get('id')}:{t.get('port')}",
                t.get("state"),
                t.get("reason"),
                t.get("in_flight"),
                t.get("served"),
            ]
            for t in alb["targets"]
        ]
        lines += _table(["target", "state", "reason", "in flight", "served"], targets)

    edge = parts.get("edge") or {}
    if edge.get("behaviours"):
        lines += ["", f"edge behaviours (distribution {edge.get('distribution_id')}):"]
        behaviours = [
            [
                b.get("path_pattern"),
                b.get("origin"),
                b.get("cache_policy"),
                b.get("origin_request_policy"),
                b.get("error"),
            ]
            for b in edge["behaviours"]
        ]
        lines += _table(["path", "origin", "cache policy", "origin request", "error"], behaviours)

    entries = parts.get("edge_cache") or []
    lines += ["", f"edge cache: {edge.get('cache_entries', len(entries))} entries"]
    if entries:
        rows = [
            [
                e.get("path"),
                e.get("status"),
                _seconds(e.get("age")),
                _seconds(e.get("ttl")),
                "fresh" if e.get("fresh") else "stale",
            ]
            for e in entries
        ]
        lines += _table(["path", "status", "age", "ttl", ""], rows)
    if doc.get("started_at"):
        lines += ["", f"up for {time.time() - doc['started_at']:.0f}s"]
    return "\n".join(lines)


def _health_check(alb: dict) -> str:
    hc = alb.get("health_check") or {}
    return (
        f"{hc.get('path')} every {hc.get('interval')}s, healthy after "
        f"{hc.get('healthy_threshold')}, unhealthy after {hc.get('unhealthy_threshold')}"
    )


def _seconds(value) -> str:
    return f"{value:.0f}s" if isinstance(value, int | float) else "-"
