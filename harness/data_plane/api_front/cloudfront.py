"""CloudFront invalidations report InProgress until the edge has purged them, then Completed
[Invalidation: "InProgress" until done; the `invalidation-completed` waiter reads Status].

The emulator marks an invalidation COMPLETED at once; the edge purges a moment later, so
`wait invalidation-completed` followed by a GET could still see the old object.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response

from harness.data_plane.api_front.app import relay

INVALIDATION = re.compile(r"^/\d{4}-\d{2}-\d{2}/distribution/([^/]+)/invalidation(?:/([^/]+))?$")
STATUS = re.compile(rb"<Status>[^<]*</Status>")
ID = re.compile(rb"<Id>([^<]*)</Id>")
SUMMARY = re.compile(rb"<InvalidationSummary>.*?</InvalidationSummary>", re.DOTALL)


class CloudFrontInterceptor:
    def __init__(self, edge) -> None:
        self.edge = edge

    async def answer(self, request: Request, body: bytes, upstream) -> Response | None:
        match = INVALIDATION.match(request.url.path)
        if match is None or match.group(1) != self.edge.distribution_id:
            return None
        answer = await upstream.forward(request, body)
        if answer.status_code >= 300:
            return relay(answer)
        if request.method == "POST":
            self.edge.poll_now()  # the edge purges at once rather than at its next poll
            in_progress = STATUS.sub(b"<Status>InProgress</Status>", answer.content, count=1)
            return relay(answer, in_progress)
        content = SUMMARY.sub(lambda m: self._with_status(m.group(0)), answer.content)
        if b"<InvalidationSummary>" not in content:
            content = self._with_status(content)
        return relay(answer, content)

    def _with_status(self, xml: bytes) -> bytes:
        found = ID.search(xml)
        if found is None:
            return xml
        done = self.edge.invalidation_applied(found.group(1).decode())
        status = b"Completed" if done else b"InProgress"
        return STATUS.sub(b"<Status>" + status + b"</Status>", xml, count=1)
