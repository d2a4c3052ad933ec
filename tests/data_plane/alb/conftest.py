"""An in-process moto server, a VPC, target groups made to measure, and small target servers."""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from harness.plumbing.servers import ServerThread


def target_app(name: str) -> Starlette:
    headers = {"X-AnimeHub-Task": name}

    async def health(request: Request):
        return JSONResponse({"status": "ok"}, headers=headers)

    async def slow(request: Request):
        await asyncio.sleep(float(request.query_params.get("s", "1")))
        return PlainTextResponse("slow", headers=headers)

    async def echo(request: Request):
        body = await request.body()
        return JSONResponse(
            {
                "headers": dict(request.headers),
                "method": request.method,
                "query": str(request.url.query),
                "body": body.decode(),
                # which of the ALB's connections carried the request
                "peer": f"{request.client.host}:{request.client.port}",
            },
            headers=headers,
        )

    return Starlette(
        routes=[
            Route("/api/health", health),
            Route("/api/slow", slow),
            Route("/api/echo", echo, methods=["GET", "POST"]),
        ]
    )


@pytest.fixture(scope="session")
def vpc(endpoints):
    ec2 = endpoints.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=zone)[
            "Subnet"
        ]["SubnetId"]
        for i, zone in enumerate(("us-east-1a", "us-east-1b"), start=1)
    ]
    return {"vpc_id": vpc_id, "subnets": subnets}


@pytest.fixture
def make_target_group(endpoints, vpc):
    """A target group with the blueprint's health check unless told otherwise; with
    `idle_timeout` it also gets a load balancer and a listener forwarding to it."""
    elbv2 = endpoints.client("elbv2")

    def make(*, deregistration_delay=2, idle_timeout=None, **settings):
        name = "tg-" + uuid.uuid4().hex[:12]
        params = {
            "HealthCheckPath": "/api/health",
            "HealthCheckIntervalSeconds": 5,
            "HealthCheckTimeoutSeconds": 2,
            "HealthyThresholdCount": 2,
            "UnhealthyThresholdCount": 2,
            "Matcher": {"HttpCode": "200"},
        } | settings
        arn = elbv2.create_target_group(
            Name=name, Protocol="HTTP", Port=8080, VpcId=vpc["vpc_id"], TargetType="ip", **params
        )["TargetGroups"][0]["TargetGroupArn"]
        elbv2.modify_target_group_attributes(
            TargetGroupArn=arn,
            Attributes=[
                {"Key": "deregistration_delay.timeout_seconds", "Value": str(deregistration_delay)}
            ],
        )
        if idle_timeout is not None:
            lb_arn = elbv2.create_load_balancer(
                Name="lb-" + name[3:], Subnets=vpc["subnets"], Scheme="internal"
            )["LoadBalancers"][0]["LoadBalancerArn"]
            elbv2.create_listener(
                LoadBalancerArn=lb_arn,
                Protocol="HTTP",
                Port=80,
                DefaultActions=[{"Type": "forward", "TargetGroupArn": arn}],
            )
            elbv2.modify_load_balancer_attributes(
                LoadBalancerArn=lb_arn,
                Attributes=[{"Key": "idle_timeout.timeout_seconds", "Value": str(idle_timeout)}],
            )
        return arn

    return make


@pytest.fixture
def elbv2(endpoints):
    return endpoints.client("elbv2")


@pytest.fixture
def target_server():
    """Start in-process target apps; each has its own loopback address, because moto keys a
    target group's targets by Id alone."""
    started = []
    counter = iter(range(2, 250))

    def start(name: str) -> ServerThread:
        host = f"127.0.0.{next(counter)}"
        server = ServerThread(target_app(name), name=f"target-{name}", host=host).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


class ResettingServer:
    """Answers the health check with 200 and resets the connection on every other request."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._sock = socket.create_server((host, 0))
        self.host, self.port = self._sock.getsockname()[:2]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> ResettingServer:
        self._sock.settimeout(0.2)
        self._thread.start()
        return self

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            with conn:
                request = conn.recv(65536)
                if request.startswith(b"GET /api/health "):
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                    )
                else:
                    conn.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                    )

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._sock.close()


@pytest.fixture
def resetting_server():
    server = ResettingServer("127.0.0.250").start()
    yield server
    server.stop()


@pytest.fixture
def unused_address():
    """An address where nothing listens."""
    sock = socket.socket()
    sock.bind(("127.0.0.251", 0))
    port = sock.getsockname()[1]
    sock.close()
    return {"Id": "127.0.0.251", "Port": port}
