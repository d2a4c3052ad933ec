"""ECS task lifecycle rules the agent follows.

AWS pages: task-lifecycle (the states, in order); ContainerDefinition.stopTimeout in the ECS API
reference (Fargate default 30 s, at most 120 s; SIGTERM, then SIGKILL); stopped-task-errors
(stoppedReason, stopCode); a container killed by signal N exits 128 + N (137 for SIGKILL).
"""

from __future__ import annotations

import sys

from harness.clock import clock
from harness.data_plane.ecs import task_lifecycle as lifecycle
from harness.data_plane.ecs.task_lifecycle import ORDER
from harness.plumbing.waiting import wait_until

# A task that listens on its port and ignores SIGTERM, so only SIGKILL ends it.
STUBBORN = (
    "import os, signal, socket, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "s = socket.socket(); s.bind((os.environ['HOST'], int(os.environ['PORT']))); s.listen()\n"
    "print('stubborn: listening', flush=True)\n"
    "while True: time.sleep(1)\n"
)
STUBBORN_COMMANDS = {"animehub-api": [sys.executable, "-c", STUBBORN]}
DEREGISTRATION_DELAY = 3  # conftest.make_service's target group


def test_stop_timeout_default_and_bounds():
    assert lifecycle.stop_timeout(None) == 30.0
    assert lifecycle.stop_timeout(2) == 2.0
    assert lifecycle.stop_timeout(500) == 120.0


def test_signal_exit_codes_read_as_a_container_runtime_reports_them():
    assert lifecycle.container_exit_code(-9) == 137
    assert lifecycle.container_exit_code(-15) == 143
    assert lifecycle.container_exit_code(3) == 3
    assert lifecycle.container_exit_code(None) is None


def test_a_task_that_ignores_sigterm_is_killed_after_its_stop_timeout_with_137(
    make_service, running
):
    service = make_service(desired=0)
    revision = service.register_revision(stopTimeout=2)
    service.update(taskDefinition=revision, desiredCount=1)
    _, agent = running(service, commands=STUBBORN_COMMANDS, with_alb=False)
    task = wait_until(
        lambda: next((t for t in agent.tasks() if t.state == "RUNNING"), None),
        what="a running task",
        timeout=60,
    )
    assert task.stop_timeout == 2.0

    agent.stop_task(task.id, "rotating")
    # No ALB in this process says the target has drained, so the agent waits out the target
    # group's deregistration delay, counted on the stack clock: passed at once here.
    wait_until(lambda: task.state != "RUNNING", what="the task deactivating", timeout=60)
    if task.state == "DEACTIVATING":
        clock.skip(DEREGISTRATION_DELAY)
    wait_until(lambda: task.state == "STOPPED", what="the task stopped", timeout=60)

    assert task.exit_code == 137
    assert task.stopped_at - task.stopping_at >= 2.0  # SIGKILL came only after stopTimeout
    assert task.stopped_reason == "rotating" and task.stop_code == "UserInitiated"


def test_a_task_goes_through_the_documented_states_in_order(make_service, running):
    service = make_service(desired=1)
    _, agent = running(service)
    task = wait_until(
        lambda: next((t for t in agent.tasks() if t.state == "RUNNING"), None),
        what="a running task",
        timeout=60,
    )

    agent.stop_task(task.id, None)
    wait_until(lambda: task.state == "STOPPED", what="the task stopped", timeout=60)

    states = [state for state, _ in task.history]
    assert states == list(ORDER)
    times = [at for _, at in task.history]
    assert times == sorted(times)
    assert task.stopped_reason == "Task stopped by user"
