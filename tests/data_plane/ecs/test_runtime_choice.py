"""Which runtime runs the tasks, and the container a task becomes (no engine needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.clock import CLOCK_FILE, faketime
from harness.control_plane.backends.container_specs import RUN_LABEL
from harness.data_plane.ecs.container_runtime import create_options
from harness.data_plane.ecs.process_runtime import ProcessRuntime
from harness.data_plane.ecs.runtime import HealthCheck, TaskLaunch
from harness.data_plane.ecs.runtime_choice import create_runtime
from harness.errors import ConfigError, HarnessError
from harness.settings import Settings


@pytest.fixture
def no_engine(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")


def test_process_when_asked():
    runtime = create_runtime("process")
    assert isinstance(runtime, ProcessRuntime)
    assert runtime.why == "ANIMEHUB_TASK_RUNTIME=process"


def test_auto_falls_back_to_processes_and_says_why(no_engine):
    runtime = create_runtime("auto")
    assert runtime.name == "process"
    assert runtime.why.startswith("no container runtime: no Docker engine answers")


def test_containers_asked_for_without_an_engine_stop_the_start_in_one_line(no_engine):
    with pytest.raises(HarnessError, match=r"^ANIMEHUB_TASK_RUNTIME=container: no Docker engine"):
        create_runtime("container")


def test_an_unknown_runtime_names_the_variable():
    with pytest.raises(ConfigError, match="^ANIMEHUB_TASK_RUNTIME: unknown task runtime 'vm'"):
        Settings.from_env({"ANIMEHUB_TASK_RUNTIME": "vm"})


def test_a_task_container_gets_the_definitions_limits_health_check_and_labels():
    launch = TaskLaunch(
        task_id="0123456789abcdef",
        service="animehub-api",
        image="123456789012.dkr.ecr.us-east-1.amazonaws.com/animehub-api:0.1.0",
        environment={"PORT": "8080"},
        host="127.0.0.7",
        port=8080,
        log_path=Path("/tmp/x.log"),
        cpu_units=256,
        memory_mib=512,
        health_check=HealthCheck.from_definition(
            {"command": ["CMD-SHELL", "true"], "interval": 10, "retries": 2}
        ),
        stop_timeout=20,
    )
    options = create_options(launch, "animehub-api:0.1.0", "run1")
    assert options["host_config"] == {
        "network_mode": "host",
        "nano_cpus": 250_000_000,  # 256 CPU units = a quarter of a vCPU
        "mem_limit": "512m",
    }
    assert options["healthcheck"] == {
        "test": ["CMD-SHELL", "true"],
        "interval": 10_000_000_000,
        "timeout": 5_000_000_000,  # ECS's default
        "retries": 2,
        "start_period": 0,
    }
    assert options["stop_timeout"] == 20
    assert options["labels"][RUN_LABEL] == "run1"
    assert options["labels"]["org.animehub.task"] == launch.task_id
    assert options["environment"] == {"PORT": "8080"}


def test_a_task_container_finds_the_stack_clock_where_the_image_can_read_it(tmp_path):
    library = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
    clock_file = tmp_path / CLOCK_FILE
    launch = TaskLaunch(
        task_id="0123456789abcdef",
        service="animehub-api",
        image="animehub-api:0.1.0",
        environment=faketime.environment(clock_file, library) | {"PORT": "8080"},
        host="127.0.0.7",
        port=8080,
        log_path=tmp_path / "x.log",
    )
    options = create_options(launch, "animehub-api:0.1.0", "run1")
    # The host's paths do not exist in the image: each is mounted read-only and the variable
    # names the mount. The clock's directory, not its file: a rename replaces the file.
    assert options["host_config"]["binds"] == {
        library: {"bind": "/run/animehub/ld_preload/libfaketime.so.1", "mode": "ro"},
        str(clock_file.parent): {"bind": "/run/animehub/faketime_timestamp_file", "mode": "ro"},
    }
    env = options["environment"]
    assert env["LD_PRELOAD"] == "/run/animehub/ld_preload/libfaketime.so.1"
    assert env["FAKETIME_TIMESTAMP_FILE"] == "/run/animehub/faketime_timestamp_file/offset"
    assert env["FAKETIME_CACHE_DURATION"] == "0" and env["PORT"] == "8080"
