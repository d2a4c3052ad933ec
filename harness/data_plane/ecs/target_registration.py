"""A task's place in its service's target group: registration, the ALB's verdict, the grace
period. Mixed into the agent's loop (`app.TaskLoop`), which owns the state it reads."""

from __future__ import annotations

import logging

from harness.clock import clock
from harness.data_plane.ecs.task_lifecycle import TaskState

log = logging.getLogger("harness.data_plane.ecs.agent")


class TargetRegistration:
    def _register(self, task) -> None:
        if task.target_group_arn is None:
            return
        self._control_plane.register_target(
            task.target_group_arn, task.process.host, task.process.port
        )
        task.registered = True
        if self._alb_sees(task):
            self.alb.refresh_targets()

    def _deregister(self, task) -> None:
        if not task.registered:
            return
        task.registered = False
        try:
            self._control_plane.deregister_target(
                task.target_group_arn, task.process.host, task.process.port
            )
        except Exception as exc:  # noqa: BLE001 - e.g. deregistered from outside already
            log.info("ecs: deregistering task %s: %s", task.id, exc)
        if self._alb_sees(task):
            self.alb.refresh_targets()

    def _alb_sees(self, task) -> bool:
        return (
            self.alb is not None
            and task.target_group_arn is not None
            and task.target_group_arn == self.alb.target_group_arn
        )

    def _alb_state(self, task) -> str | None:
        if not self._alb_sees(task):
            return None
        return self.alb.target_state(task.process.host, task.process.port)

    def _healthy(self, task) -> bool:
        if task.state is not TaskState.RUNNING:
            return False
        if not self._alb_sees(task):
            return True
        return self._alb_state(task) in ("healthy", "unavailable")

    def _past_grace(self, task) -> bool:
        spec = self._services.get(task.service)
        grace = spec.health_check_grace_period if spec else 0.0
        since = task.running_since
        return since is not None and clock.monotonic() - since >= grace
