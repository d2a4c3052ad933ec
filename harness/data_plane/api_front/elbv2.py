"""DescribeTargetHealth answered with the ALB data plane's verdicts [target-group-health-checks:
states, reason codes]. The emulator reports every registered target healthy."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import Response

NAMESPACE = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"


def _member(target: dict, health_check_port: str | None) -> str:
    health = f"<State>{escape(target['state'])}</State>"
    if target.get("reason"):
        health += f"<Reason>{escape(target['reason'])}</Reason>"
    if target.get("description"):
        health += f"<Description>{escape(target['description'])}</Description>"
    port = str(target["port"])
    return (
        "<member>"
        f"<Target><Id>{escape(target['id'])}</Id><Port>{port}</Port></Target>"
        f"<HealthCheckPort>{escape(health_check_port or port)}</HealthCheckPort>"
        f"<TargetHealth>{health}</TargetHealth>"
        "</member>"
    )


class Elbv2Interceptor:
    def __init__(self, alb) -> None:
        self.alb = alb

    async def answer(self, request: Request, body: bytes, upstream) -> Response | None:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        form |= {k: v[0] for k, v in parse_qs(request.url.query).items()}
        if form.get("Action") != "DescribeTargetHealth":
            return None
        if form.get("TargetGroupArn") != self.alb.target_group_arn:
            return None
        wanted = {
            (form[key], form.get(key[: -len("Id")] + "Port"))
            for key in form
            if key.startswith("Targets.member.") and key.endswith(".Id")
        }
        targets = self.alb.targets()
        if wanted:
            targets = [
                t
                for t in targets
                if (t["id"], None) in wanted or (t["id"], str(t["port"])) in wanted
            ]
        port = self.alb.health_check_port()
        members = "".join(_member(t, port) for t in targets)
        xml = (
            f'<DescribeTargetHealthResponse xmlns="{NAMESPACE}">'
            f"<DescribeTargetHealthResult><TargetHealthDescriptions>{members}"
            "</TargetHealthDescriptions></DescribeTargetHealthResult>"
            f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
            "</DescribeTargetHealthResponse>"
        )
        return Response(xml, media_type="text/xml")
