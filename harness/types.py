"""The shapes the harness's packages share, written down once (in the spirit of Starlette's
`types.py`): a running data-plane part, the status document `harness status --json` prints, and
the view of a running stack that the in-process `Stack` and an `AttachedStack` both offer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, Self, TypedDict

if TYPE_CHECKING:
    from harness.control_plane.blueprint import Blueprint
    from harness.control_plane.endpoints import EndpointMap
    from harness.control_plane.record import StackRecord
    from harness.lifecycle.run_dir import RunDir


class Part(Protocol):
    """A data-plane part (edge, ALB, ECS agent, push sink): `part.py` in its package."""

    @property
    def url(self) -> str | None:
        """Where it serves; None for a part that serves nothing (the ECS agent)."""
        ...

    def start(self) -> Self: ...

    def stop(self) -> None:
        """Idempotent."""
        ...

    def health(self) -> Mapping[str, Any]:
        """What the status document shows under `components`."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc_info: object) -> None: ...


class PushSinkView(Protocol):
    """The push sink as a test reads it: in process (`PushSink`) or over HTTP (`PushSinkClient`)."""

    url: str

    def device_url(self, device_id: str) -> str: ...

    def notifications(self, device_id: str) -> list[dict[str, Any]]: ...

    def wait_confirmed(self, device_id: str, timeout: float = 30.0) -> dict[str, Any] | None:
        """The device's confirmation of its SNS subscription (it visits the SubscribeURL)."""
        ...

    def health(self) -> Mapping[str, Any]: ...


class Components(TypedDict, total=False):
    """Each part's `health()`; None where the stack has no such part (or it is elsewhere).
    `control` appears only when `harness status` could not reach the stack."""

    emulator: Mapping[str, Any] | None
    load_balancer: Mapping[str, Any] | None
    ecs_agent: Mapping[str, Any] | None
    api_front: Mapping[str, Any] | None
    edge: Mapping[str, Any] | None
    edge_cache: list[dict[str, Any]]
    push_sink: Mapping[str, Any] | None
    sns_delivery: Mapping[str, Any] | None
    mail_sink: Mapping[str, Any] | None
    cognito_front: Mapping[str, Any] | None
    s3_lifecycle: Mapping[str, Any] | None
    alb_metrics: Mapping[str, Any] | None
    alarms: Mapping[str, Any] | None
    autoscaling: Mapping[str, Any] | None
    control: Mapping[str, Any]


class StatusDocument(TypedDict, total=False):
    """`harness status --json`, `Stack.describe()`, the control server's `/status` and (its
    first part) the state file. total=False: an old or partial state file may lack keys, so
    readers use `.get`."""

    running: bool  # added by `harness status`
    harness_version: str
    pid: int
    run_dir: str
    backend: str
    region: str
    started_at: float | None
    edge_url: str | None  # HTTPS (the local edge: on 127.0.0.1, certificate from edge_ca)
    edge_alias_url: str | None  # the same edge on the distribution's alternate domain name
    edge_http_url: str | None  # HTTP: redirected to HTTPS by the blueprint's behaviours
    edge_ca: str | None  # PEM of the run's CA that issued the edge's certificate
    alb_url: str | None
    push_sink_url: str | None
    mail_sink_url: str | None  # where Cognito's mail is read (GET /messages?to=)
    control_url: str | None
    endpoints: dict[str, str]
    environment: dict[str, str]
    resources: dict[str, Any]
    clock: dict[str, Any]  # offset_seconds, now (ISO, UTC), file, tasks_follow
    components: Components
    timings: dict[str, float]
    # Active faults (harness.faults.rules.Fault fields + summary + how often met).
    faults: list[dict[str, Any]]
    aws_fault_proxy_url: str | None
    # {"in_process": bool, "requests_handed_over": int}: the stack's own parts' AWS clients
    internal_clients: dict[str, Any]
    # The state file only, from `harness up --persist` / `--seed`:
    restored: dict[str, int]  # items or objects put back, per table and bucket
    seed_fans: list[dict[str, str]]  # {"email", "password"} of each sample fan


class StackView(Protocol):
    """What tests, the pipelines and the test kit read from a running stack. The in-process
    parts (`agent`, `alb`, `edge`) and the blueprint are None when the stack runs in another
    process."""

    attached: bool
    endpoints: EndpointMap
    record: StackRecord
    run_dir: RunDir
    push_sink: PushSinkView | None
    mail_sink: Any  # MailSink in process, MailSinkClient attached; None without one
    blueprint: Blueprint | None
    agent: Any
    alb: Any
    edge: Any

    @property
    def edge_url(self) -> str | None: ...

    @property
    def edge_ca(self) -> str | None: ...

    def describe(self) -> StatusDocument: ...

    def stop(self) -> None: ...
