"""What SNS's HTTP(S) delivery through the API front costs: a Publish's round trip with one
confirmed HTTP subscriber, through the front (the harness delivers afterwards) and straight
to the emulator (moto POSTs inside Publish, the old path), and how soon the device has the
message after Publish returns. One moto server, the front, the delivery part and a push sink,
all on loopback. Prints figures; it is not a test.

    .venv/bin/python benchmarks/sns_delivery.py [--rounds 50]
"""

from __future__ import annotations

import argparse
import time
import uuid

from benchlib import header, row
from moto.server import ThreadedMotoServer

from harness.control_plane.endpoints import EndpointMap
from harness.data_plane.api_front import ApiFront
from harness.data_plane.push_sink import PushSink
from harness.data_plane.sns_delivery import SnsDelivery


def publish_rounds(sns, topic: str, sink: PushSink, device: str, rounds: int):
    publish, delivered = [], []
    for n in range(rounds):
        began = time.perf_counter()
        sns.publish(TopicArn=topic, Message=f'{{"n": {n}}}')
        publish.append((time.perf_counter() - began) * 1000)
        got = sink.wait_for(device, lambda m, n=n: m["message"] == {"n": n}, 30)
        assert got is not None, f"message {n} never reached the device"
        delivered.append((time.perf_counter() - began) * 1000)
    return publish, delivered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    rounds = parser.parse_args().rounds
    header("SNS HTTP delivery")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    emulator = EndpointMap(default=f"http://{host}:{port}", region="us-east-1")
    front = ApiFront(emulator).start()
    delivery = SnsDelivery(emulator, front.url).start()
    front.serve_sns(delivery)
    sink = PushSink().start()
    try:
        for label, sns in (
            ("through the API front", front.endpoints.client("sns")),
            ("straight to moto", emulator.client("sns")),
        ):
            topic = sns.create_topic(Name=f"bench-{uuid.uuid4().hex[:6]}")["TopicArn"]
            device = uuid.uuid4().hex[:8]
            sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=sink.device_url(device))
            sink.wait_confirmed(device, 30)  # moto never asks: this waits only on the front
            publish, delivered = publish_rounds(sns, topic, sink, device, rounds)
            print(row(f"Publish round trip, {label}", publish, " ms"))
            print(row(f"on the device after Publish began, {label}", delivered, " ms"))
    finally:
        sink.stop()
        delivery.stop()
        front.stop()
        server.stop()


if __name__ == "__main__":
    main()
