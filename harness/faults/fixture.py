"""pytest plugin: the `faults` fixture. Faults a test adds are cleared when it ends, passed or
failed, so the next test meets a healthy stack.

    def test_x(faults):
        faults.add("aws", "throttle", service="dynamodb", operation="PutItem", every_nth=1)
        faults.stop_task("SIGKILL")
"""

from __future__ import annotations

import pytest

from harness.faults.rules import Fault, new_fault
from harness.faults.store import FaultStore
from harness.faults.tasks import stop_task


class Faults:
    def __init__(self, stack) -> None:
        self.stack = stack
        self.store = FaultStore(stack.run_dir.path)
        self.added: list[Fault] = []

    def add(self, hop: str, kind: str, **options) -> Fault:
        fault = self.store.add(new_fault(hop, kind, **options))
        self.added.append(fault)
        return fault

    def clear(self, fault: Fault | None = None) -> None:
        for gone in [fault] if fault else list(self.added):
            self.store.clear(gone.id)
            self.added.remove(gone)

    def active(self) -> list[Fault]:
        return self.store.list()

    def stop_task(self, signal_name: str = "SIGTERM", task_id: str | None = None) -> dict:
        return stop_task(self.stack.describe(), signal_name, task_id)


@pytest.fixture
def faults(stack):
    settings = getattr(stack, "settings", None)
    backend = getattr(stack, "backend_name", None) or (settings.backend if settings else None)
    if backend == "aws":
        pytest.skip("the aws backend is a real deployment: the harness injects no fault there")
    injected = Faults(stack)
    yield injected
    injected.clear()
