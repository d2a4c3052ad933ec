"""`with Stack(settings) as stack:` — the one lifecycle the CLI and the pytest plugin share.

Parts start in order inside one ExitStack and stop in reverse; a start that fails half-way
stops what it had begun.
"""

from __future__ import annotations

import gc
import importlib
import logging
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace

from harness.clock import CLOCK_FILE, clock
from harness.control_plane.backends import create_backend
from harness.control_plane.blueprint import Blueprint
from harness.control_plane.cognito_discovery import token_settings
from harness.control_plane.endpoints import EndpointMap
from harness.control_plane.record import StackRecord
from harness.faults.aws_proxy import AwsFaultProxy
from harness.faults.store import FaultStore
from harness.lifecycle.background import after, in_background
from harness.lifecycle.preflight import check_fixed_ports
from harness.lifecycle.run_dir import RunDir
from harness.lifecycle.stack_status import status_document
from harness.lifecycle.time_parts import start_time_parts
from harness.plumbing.local_ca import CA_FILE
from harness.settings import Settings
from harness.types import StatusDocument

log = logging.getLogger("harness.lifecycle.stack")

TLS_DIR = "tls"  # in the run dir: the local CA and the edge's certificate
# The edge, the ALB and the ECS agent re-read their settings when the API front sees a write
# to their service; this poll only catches writes that bypass the front.
SETTINGS_POLL = 2.0

# Called as progress(step, None) when a step begins and progress(step, seconds) when it ends.
Progress = Callable[[str, float | None], None]


def _quiet(step: str, seconds: float | None) -> None:
    pass


class Stack:
    """The stack in this process: a `StackView` (harness.types) whose parts are reachable."""

    attached = False

    def __init__(
        self,
        settings: Settings,
        blueprint: Blueprint | None = None,
        progress: Progress = _quiet,
        deploy_web: bool = True,
    ) -> None:
        self.settings = settings
        self.blueprint = blueprint or Blueprint(
            region=settings.region, desired_count=settings.tasks
        )
        self.run_dir = RunDir(settings.run_dir, settings.name_of("run_dir"))
        self.progress = progress
        self.deploy_web = deploy_web
        self.backend = None
        self.endpoints: EndpointMap | None = None
        self.record: StackRecord | None = None
        self.alb = None
        self.agent = None
        self.api_front = None
        self.edge = None
        self.push_sink = None
        self.sns_delivery = None
        self.mail_sink = None
        self.cognito_front = None
        self.s3_lifecycle = None
        self.alb_metrics = None
        self.alarms = None
        self.autoscaling = None
        self.aws_faults = None
        # Faults on any hop (harness.faults): a file in the run dir that every part reads.
        self.faults = FaultStore(self.run_dir.path)
        self.control = None
        self.timings: dict[str, float] = {}
        self._exit: ExitStack | None = None
        self._deployed_edge_url: str | None = None
        self.started_at: float | None = None

    # lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> Stack:
        began = time.monotonic()
        # Starting allocates millions of long-lived objects (moto's and botocore's models, the
        # emulator's state), so the cyclic collector ran ~800 times over them (0.6 s CPU, #14).
        # None runs while starting; then they are frozen out of later collections. A full
        # collection here would cost 0.3 s for ~20k objects of garbage: those wait for `stop`.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._start()
        finally:
            if collecting:
                gc.freeze()
                gc.enable()
        self.timings["total"] = time.monotonic() - began
        return self

    def _start(self) -> None:
        with ExitStack() as parts:
            check_fixed_ports(self.settings)
            self.run_dir.prepare()
            self.run_dir.lock()
            parts.callback(self.run_dir.unlock)
            clock.use(self.clock_file)
            parts.callback(clock.release, self.clock_file)
            self._start_parts(parts)
            self._exit = parts.pop_all()
        self.started_at = time.time()

    def _step(self, name: str, start: Callable[[], object]):
        self.progress(name, None)
        began = time.monotonic()
        result = start()
        self.timings[name] = time.monotonic() - began
        self.progress(name, self.timings[name])
        log.info("%s in %.2fs", name, self.timings[name])
        return result

    def _start_parts(self, parts: ExitStack) -> None:
        s, logs = self.settings, self.run_dir.logs
        runtime, edge_child = None, None
        if s.backend != "aws":  # on AWS, ECS runs the tasks and CloudFront is the edge
            # The edge's process imports while the emulator starts.
            from harness.data_plane.ecs.runtime_choice import task_runtime
            from harness.data_plane.edge.process import discard_child, spawn_child

            edge_child = spawn_child(logs)
            parts.callback(discard_child, edge_child)
            runtime = self._step("choosing the task runtime", lambda: task_runtime(self, parts))
        self.backend = create_backend(s)
        parts.callback(self._stopping, "emulator", self.backend.stop)
        self._step(f"starting the {s.backend} backend", self.backend.start)
        self.endpoints = self.backend.endpoints
        if s.backend == "embedded":
            # The parts' own clients call the emulator and the fronts in this process without
            # a socket (EndpointMap.internal_client); tests, users and the tasks keep sockets.
            self.endpoints = replace(self.endpoints, in_process=True)
            from harness.clock.emulator_time import put_embedded_emulator_on_the_clock
            from harness.control_plane.backends import cloudwatch_dimensions, dynamodb_recovery

            put_embedded_emulator_on_the_clock()
            dynamodb_recovery.install()
            cloudwatch_dimensions.install()

        discover = getattr(self.backend, "discover", None)
        if discover is not None:
            # A real deployment: its record comes from it, and AWS runs the data plane.
            self.record = self._step("reading the deployment", discover)
            self.record.save(self.run_dir.path / "record.json")
            self._deployed_edge_url = f"https://{self.record.distribution_domain}"
            self._start_control(parts)
            return

        from harness.control_plane.provision import provision
        from harness.data_plane.alb import LoadBalancer
        from harness.data_plane.api_front import ApiFront
        from harness.data_plane.cognito import CognitoFront
        from harness.data_plane.ecs import EcsAgent
        from harness.data_plane.edge import EdgeProcess
        from harness.data_plane.mail_sink import MailSink
        from harness.data_plane.push_sink import PushSink
        from harness.data_plane.sns_delivery import SnsDelivery
        from harness.pipelines.web_deploy import publish, upload_web_stub

        # What start_time_parts imports, imported before any part starts on another thread
        # (two threads importing modules that import each other can meet one half-imported).
        for module in ("alarms", "alb.metrics", "autoscaling", "s3_lifecycle"):
            importlib.import_module(f"harness.data_plane.{module}")

        # Clients (the CLI, SDKs, the API tasks, provisioning) reach ECS, CloudFront, ELBv2 and
        # SNS through the front, which keeps what the emulator cannot (CloudFront Functions' LIVE
        # stage and associations) and answers with the tasks the agent runs, the invalidations
        # the edge applied, the target health the ALB sees and SNS's HTTP(S) deliveries.
        self.api_front = ApiFront(self.endpoints)
        parts.callback(self._stopping, "API front", self.api_front.stop)
        self._step("starting the API front", self.api_front.start)
        from harness.lifecycle.provisioned import provision_or_restore

        self.record = provision_or_restore(self, provision)
        self.record.save(self.run_dir.path / "record.json")

        self.faults.clear()  # a stack starts with no fault, whatever an old run left
        parts.callback(self.faults.clear)
        self.push_sink = PushSink(port=s.push_sink_port, faults=self.faults)
        parts.callback(self._stopping, "push sink", self.push_sink.stop)
        self._step("starting the push sink", self.push_sink.start)
        # Cognito's confirmation codes go to the mail sink; every client reaches Cognito
        # through its front, which checks the codes where the emulator does not.
        self.mail_sink = MailSink()
        parts.callback(self._stopping, "mail sink", self.mail_sink.stop)
        self._step("starting the mail sink", self.mail_sink.start)
        self.cognito_front = CognitoFront(
            self.endpoints,
            self.mail_sink.smtp_address,
            checks_codes=False if s.backend == "embedded" else None,  # moto: any code confirms
        )
        parts.callback(self._stopping, "Cognito front", self.cognito_front.stop)
        self._step("starting the Cognito front", self.cognito_front.start)
        self.endpoints = self.cognito_front.endpoints

        self.alb = LoadBalancer(
            self.endpoints,
            self.record.target_group_arn,
            port=s.alb_port,
            log_dir=logs,
            faults=self.faults,
            refresh_interval=SETTINGS_POLL,
        )
        parts.callback(self._stopping, "load balancer", self.alb.stop)
        self._step("starting the load balancer", self.alb.start)
        self.api_front.watch("elbv2", self.alb.refresh_soon)

        self.endpoints = self.api_front.route(self.endpoints)  # Cognito's front kept
        self.api_front.serve_elbv2(self.alb)

        # Tasks reach AWS through the fault proxy, which forwards to the endpoints above.
        self.aws_faults = AwsFaultProxy(self.endpoints, self.faults)
        parts.callback(self._stopping, "AWS fault proxy", self.aws_faults.stop)
        self._step("starting the AWS fault proxy", self.aws_faults.start)

        self.agent = EcsAgent(
            self.endpoints,
            self.record.cluster,
            [self.record.service],
            alb=self.alb,
            log_dir=logs / "tasks",
            extra_env=self.task_environment(),
            runtime=runtime,
            poll_interval=SETTINGS_POLL,
        )
        # Tasks reach AWS through the fault proxy, which forwards to the endpoints (DynamoDB
        # and SNS once the agent's IAM gate, called in-process, lets the call through).
        self.aws_faults.check(self.agent.gated_services, self.agent.iam_refusal)
        self.agent.extra_env |= self.aws_faults.task_environment()
        parts.callback(self._stopping, "ECS agent", self.agent.stop)
        self._step("starting the ECS agent", self.agent.start)
        self.api_front.watch("ecs", self.agent.poll_now)
        self.api_front.serve_ecs(self.agent)

        # SNS's HTTP(S) subscriptions: pending until confirmed, delivered after Publish. After
        # the agent: making its signing key (RSA, 40-140 ms) delayed the tasks' start, and no
        # task can publish before it listens, a second later at least.
        self.sns_delivery = SnsDelivery(self.api_front.upstream, self.api_front.url)
        parts.callback(self._stopping, "SNS delivery", self.sns_delivery.stop)
        self._step("starting SNS delivery", self.sns_delivery.start)
        self.api_front.serve_sns(self.sns_delivery)

        self.edge = EdgeProcess(
            self.api_front.endpoints,  # CloudFront through the front (functions), S3 direct
            self.record.distribution_id,
            {self.record.load_balancer_dns: self.alb.url},
            port=s.edge_port,
            log_dir=logs,
            faults=self.faults,
            tls_dir=self.run_dir.path / TLS_DIR,
            https_port=s.edge_https_port,
            refresh_interval=SETTINGS_POLL,
            child=edge_child,
        )
        # Its process (launched first) reads the distribution while the parts below start, and
        # the web stub's objects go up meanwhile; the invalidation waits for both. Both start
        # after the agent: the tasks' start (processes of their own, on the other core) is the
        # longest step, and these threads would hold the GIL the agent's start needs (#14).
        edge_started = in_background(lambda: self._step("starting the edge", self.edge.start))
        parts.callback(self._stopping, "edge", lambda: after(edge_started, self.edge.stop))
        uploading = None
        if self.deploy_web:
            uploading = in_background(
                lambda: self._step(
                    "uploading the web stub", lambda: upload_web_stub(self, internal=True)
                )
            )

        edge_started.result()
        self.api_front.watch("cloudfront", self.edge.poll_now)
        self.api_front.serve_cloudfront(self.edge)

        if uploading is not None:
            self._step(
                "deploying the web stub",
                lambda: publish(self, uploading.result(), internal=True),
            )

        self._step(
            f"waiting for {self.blueprint.desired_count} API tasks to be healthy",
            lambda: self.agent.wait_steady(timeout=60),
        )
        # Last: their first passes (alarm statistics, scaling policies: ~40 emulator requests)
        # would share the emulator's GIL with the start; before the tasks serve, they have
        # nothing to measure or act on (#14).
        self._step(
            "starting S3 lifecycle, ALB metrics, alarm evaluation and auto scaling",
            lambda: start_time_parts(self, parts),
        )
        self._start_control(parts)

    def _start_control(self, parts: ExitStack) -> None:
        from harness.lifecycle.status_server import ControlServer

        self.control = ControlServer(self.describe)
        parts.callback(self._stopping, "control view", self.control.stop)
        self.control.start()

    def _stopping(self, name: str, stop: Callable[[], None]) -> None:
        began = time.monotonic()
        stop()
        log.info("stopped the %s in %.2fs", name, time.monotonic() - began)

    def stop(self) -> None:
        if self._exit is not None:
            exit_stack, self._exit = self._exit, None
            exit_stack.close()
            gc.unfreeze()  # what this stack held may be collected again (a test process
            # starts many stacks)

    # what the stack tells others ----------------------------------------------------------

    @property
    def clock_file(self):
        return self.run_dir.path / CLOCK_FILE

    def task_environment(self) -> dict[str, str]:
        """What each API task gets beyond its task definition: the token issuer and JWKS
        location, as the pool's own OpenID configuration names them (cognito_discovery), and
        the stack clock (libfaketime on the run directory's clock file)."""
        from harness.clock import faketime

        env = faketime.environment(self.clock_file)
        cognito = self.endpoints.url("cognito-idp")
        if cognito:  # on AWS the API's defaults are AWS's issuer form
            env |= token_settings(cognito, self.record.region, self.record.user_pool_id)
        return env

    def clock_status(self) -> dict:
        from harness.clock import faketime

        return clock.describe() | {"tasks_follow": faketime.find_library() is not None}

    @property
    def edge_url(self) -> str | None:
        """HTTPS: the blueprint redirects HTTP to it on every behaviour."""
        if self.edge is None:
            return self._deployed_edge_url
        return self.edge.https_url or self.edge.url

    @property
    def edge_ca(self) -> str | None:
        """The run's CA that issued the edge's certificate (None for a deployed edge)."""
        return str(self.run_dir.path / TLS_DIR / CA_FILE) if self.edge else None

    def describe(self) -> StatusDocument:
        """The status document: endpoints, edge URL, resource ids, component health."""
        return status_document(self)
