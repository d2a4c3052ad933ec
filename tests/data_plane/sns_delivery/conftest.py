"""SNS through the API front, on a real moto server: the front, the delivery part, and HTTP
endpoints that record what SNS POSTs to them."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import pytest
from moto.server import ThreadedMotoServer
from starlette.requests import Request
from starlette.responses import Response

from harness.control_plane.endpoints import EndpointMap
from harness.data_plane.api_front import ApiFront
from harness.data_plane.push_sink import PushSink
from harness.data_plane.sns_delivery import SnsDelivery
from harness.data_plane.sns_delivery.deliveries import Deliverer
from harness.plumbing.servers import ServerThread


class SteppedClock:
    """A clock a test moves forward: monotonic when called (retry delays), `now()` the wall
    time (token lifetimes)."""

    def __init__(self) -> None:
        self.skipped = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.skipped

    def now(self) -> float:
        return time.time() + self.skipped

    def advance(self, seconds: float) -> None:
        self.skipped += seconds


@dataclass
class Recorder:
    """An HTTP endpoint that records each POST and answers the next of `statuses` (the last
    one repeats)."""

    statuses: list[int] = field(default_factory=lambda: [200])
    posts: list[dict] = field(default_factory=list)
    server: ServerThread | None = None

    async def __call__(self, scope, receive, send) -> None:
        request = Request(scope, receive)
        body = (await request.body()).decode()
        self.posts.append({"headers": dict(request.headers), "body": body})
        status = self.statuses[min(len(self.posts), len(self.statuses)) - 1]
        await Response(status_code=status)(scope, receive, send)

    @property
    def url(self) -> str:
        return f"{self.server.url}/endpoint"

    def of_type(self, kind: str) -> list[dict]:
        return [p for p in self.posts if p["headers"].get("x-amz-sns-message-type") == kind]

    def bodies(self, kind: str) -> list[dict]:
        return [json.loads(p["body"]) for p in self.of_type(kind)]


@pytest.fixture
def make_recorder():
    """`make_recorder(statuses=(200,))`: a running Recorder, stopped after the test."""
    made = []

    def make(statuses=(200,)) -> Recorder:
        recorder = Recorder(list(statuses))
        recorder.server = ServerThread(recorder, name="sns-endpoint").start()
        made.append(recorder)
        return recorder

    yield make
    for recorder in made:
        recorder.server.stop()


@dataclass
class SnsWorld:
    front: ApiFront
    delivery: SnsDelivery
    clock: SteppedClock
    sns: object
    push_sink: PushSink
    recorder: object  # make_recorder

    def topic(self, name: str) -> str:
        return self.sns.create_topic(Name=name)["TopicArn"]


@pytest.fixture(scope="module")
def emulator():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield EndpointMap(default=f"http://{host}:{port}", region="us-east-1")
    server.stop()


@pytest.fixture
def world(emulator, make_recorder):
    front = ApiFront(emulator).start()
    stepped = SteppedClock()
    delivery = SnsDelivery(emulator, front.url, Deliverer(monotonic=stepped), stepped.now).start()
    front.serve_sns(delivery)
    sink = PushSink().start()
    yield SnsWorld(front, delivery, stepped, front.endpoints.client("sns"), sink, make_recorder)
    sink.stop()
    delivery.stop()
    front.stop()
