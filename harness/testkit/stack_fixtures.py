"""The plugin's stack fixtures: the stack (started or attached), its edge URL, AWS clients on its
endpoints and its push sink."""

from __future__ import annotations

import json
import shutil

import pytest

from harness.errors import HarnessError
from harness.testkit.plugin_config import (
    STACK_SUMMARY,
    stack_settings,
    stack_state_option,
    stack_state_setting,
    worker_dir,
    worker_id,
)


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest):
    """The session's stack (a harness.types.StackView): started in-process on free ports and
    stopped at the end of the session, one per pytest-xdist worker; or, with
    --animehub-stack-state / ANIMEHUB_STACK_STATE, a stack started by `harness up --detach`,
    attached to and left running. `.record` holds its ids, `.endpoints` its AWS endpoints."""
    config = request.config
    state_path = stack_state_option(config)
    if state_path:
        from harness.lifecycle.attached_stack import AttachedStack

        yield AttachedStack.load(state_path, stack_state_setting(config))
        return
    from harness.lifecycle.stack import Stack

    settings = stack_settings(config)
    shutil.rmtree(settings.run_dir, ignore_errors=True)
    summary = worker_dir(config) / STACK_SUMMARY
    summary.unlink(missing_ok=True)
    running = Stack(settings)
    try:
        running.start()
    except HarnessError as exc:
        raise HarnessError(
            f"the stack did not start: {exc} (logs: {settings.run_dir}/logs)"
        ) from exc
    try:
        summary.write_text(json.dumps(running.describe(), indent=2, default=str))
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def edge_url(stack) -> str:
    """The edge's (CloudFront's) base URL, `http://127.0.0.1:<port>`: where a browser opens the
    web app and where `/api/*` reaches the API."""
    return stack.edge_url


class AwsClients:
    """boto3 clients on the stack's endpoints: `aws("cognito-idp")` or `aws.cognito_idp`."""

    def __init__(self, endpoints) -> None:
        self.endpoints = endpoints
        self._clients: dict[str, object] = {}

    def __call__(self, service: str):
        if service not in self._clients:
            self._clients[service] = self.endpoints.client(service)
        return self._clients[service]

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return self(name.replace("_", "-"))


@pytest.fixture(scope="session")
def aws(stack) -> AwsClients:
    """boto3 clients on the stack's emulator, made once per service:
    `aws("cognito-idp")` or `aws.cognito_idp`, `aws.s3`, `aws.dynamodb`..."""
    return AwsClients(stack.endpoints)


@pytest.fixture(scope="session")
def push_sink(stack):
    """Where SNS pushes shares to the fans' devices: `push_sink.device_url(device_id)` is a
    follow endpoint, `push_sink.wait_for(device_id, predicate, timeout)` the next push there.
    Skips the test on a stack without one (the aws backend)."""
    if stack.push_sink is None:
        pytest.skip("this stack has no push sink")
    return stack.push_sink


@pytest.fixture(scope="session")
def mail_sink(stack):
    """Where Cognito's mail arrives (confirmation codes): `mail_sink.messages(to)`,
    `mail_sink.wait_for(to, count=1, timeout=30)` the `count`th message to `to`.
    Skips the test on a stack without one (the aws backend)."""
    if getattr(stack, "mail_sink", None) is None:
        pytest.skip("this stack has no mail sink")
    return stack.mail_sink


@pytest.fixture(autouse=True)
def _breaks_stack_needs_own_stack(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("breaks_stack") is None:
        return
    if stack_state_option(request.config) and worker_id(request.config) != "main":
        pytest.skip("breaks the stack on purpose: not on a stack other workers share")
