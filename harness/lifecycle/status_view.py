"""What `harness up` and `harness status` show a person: where things are, then each part's
health, tasks, target health, edge behaviours and cache entries."""

from __future__ import annotations

import time

from harness.types import StatusDocument


def _mail(doc: StatusDocument) -> str | None:
    url = doc.get("mail_sink_url")
    smtp = ((doc.get("components") or {}).get("mail_sink") or {}).get("smtp")
    return url and f"{url}/messages?to=<address>" + (f" (SMTP {smtp})" if smtp else "")


def summary(doc: StatusDocument) -> str:
    res = doc.get("resources", {})
    rows = [
        ("edge (open in a browser)", doc.get("edge_alias_url") or doc.get("edge_url")),
        ("edge on 127.0.0.1", doc.get("edge_url") if doc.get("edge_alias_url") else None),
        ("edge over HTTP", doc.get("edge_http_url")),
        ("edge's CA (trust it)", doc.get("edge_ca")),
        ("load balancer", doc.get("alb_url")),
        ("push sink", doc.get("push_sink_url")),
        ("mail sink (Cognito's mail)", _mail(doc)),
        ("backend", doc.get("backend")),
        ("stack clock", _clock(doc.get("clock"))),
    ]
    endpoints = doc.get("endpoints", {})
    distinct = sorted(set(endpoints.values()))
    if len(distinct) == 1:
        rows.append(("AWS endpoint (all services)", distinct[0]))
    else:
        rows.extend((f"endpoint {svc}", url) for svc, url in sorted(endpoints.items()))
    rows += [
        ("Cognito user pool", res.get("user_pool_id")),
        ("Cognito app client", res.get("user_pool_client_id")),
        ("web bucket", res.get("web_bucket")),
        ("media bucket", res.get("media_bucket")),
        ("anime table", res.get("anime_table")),
        ("users table", res.get("users_table")),
        ("SNS topic", res.get("topic_arn")),
        ("ECS service", f"{res.get('cluster')}/{res.get('service')}"),
        ("CloudFront distribution", res.get("distribution_id")),
        ("run directory", doc.get("run_dir")),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows if value)


def _clock(clock: dict | None) -> str | None:
    if not clock:
        return None
    from harness.clock import format_duration

    offset = clock.get("offset_seconds") or 0
    shown = f"{clock.get('now')} (real time {'+' if offset >= 0 else ''}{format_duration(offset)})"
    if not clock.get("tasks_follow", True):
        shown += "; API tasks follow real time (libfaketime not found)"
    return shown


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
    if health.get("failed_requests"):
        return f"ok; {health['failed_requests']} requests it could not serve" + (
            f" (see {health['log']})" if health.get("log") else ""
        )
    return "ok"


def render(doc: StatusDocument) -> str:
    parts = doc.get("components", {})
    lines = [f"{name}: {_ok(h)}" for name, h in parts.items() if name != "edge_cache"]

    agent = parts.get("ecs_agent") or {}
    runtime = agent.get("runtime") or {}
    if runtime:
        lines += ["", f"ECS tasks: the {runtime.get('name')} runtime ({runtime.get('why')})"]
        if runtime.get("pid"):
            lines.append(
                f"  python -m tasks forked from a pre-imported parent, pid {runtime['pid']}"
            )
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
                t.get("container") or t.get("pid"),
                t.get("state"),
                t.get("alb_state"),
                t.get("stopped_reason"),
            ]
            for t in info.get("tasks", [])
        ]
        pid = "container" if runtime.get("name") == "container" else "pid"
        lines += _table(["task", "address", pid, "state", "in the ALB", "stopped"], tasks)

    activities = (parts.get("autoscaling") or {}).get("recent_activities") or []
    if activities:
        lines += ["", "scaling activities (newest first):"]
        lines += [f"  {a['ResourceId']}: {a['Description']} {a['StatusCode']}" for a in activities]

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

    sns = parts.get("sns_delivery") or {}
    if "pending" in sns:
        lines += [
            "",
            f"SNS HTTP(S) subscriptions: {sns['pending']} pending, {sns['confirmed']} confirmed;"
            f" delivered {sns.get('delivered', 0)}, failed attempts"
            f" {sns.get('failed_attempts', 0)}, retries waiting {sns.get('retries_waiting', 0)},"
            f" dropped {sns.get('dropped', 0)}",
        ]

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
