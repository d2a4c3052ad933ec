"""Bad input to `harness`: one line, naming what the user typed, before anything starts."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from harness import __version__

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def harness(*args: str, env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def last_line(result) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr.strip().splitlines()[-1]


@pytest.fixture
def busy_port():
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    yield taken.getsockname()[1]
    taken.close()


@pytest.mark.parametrize("detach", [[], ["--detach"]])
def test_a_busy_fixed_port_fails_before_anything_is_provisioned(tmp_path, busy_port, detach):
    result = harness("up", *detach, "--run-dir", str(tmp_path), "--edge-port", str(busy_port))
    assert last_line(result) == (
        f"harness: --edge-port: port {busy_port} on 127.0.0.1 is already in use"
    )
    # Nothing started: no emulator was asked for anything, no record, no stack state.
    assert not (tmp_path / "record.json").exists()
    assert not (tmp_path / "state.json").exists()
    log = tmp_path / "logs" / "harness.log"
    assert not log.exists() or "provisioning" not in log.read_text()


def test_a_busy_port_from_the_environment_names_the_variable(tmp_path, busy_port):
    result = harness("up", "--run-dir", str(tmp_path), env={"ANIMEHUB_ALB_PORT": str(busy_port)})
    assert last_line(result).startswith(f"harness: ANIMEHUB_ALB_PORT: port {busy_port} ")


def test_an_unwritable_run_dir_names_the_flag(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = harness("up", "--run-dir", str(blocker / "run"))
    assert last_line(result).startswith("harness: --run-dir: ")


def test_the_endpoint_backend_without_a_url_names_the_flags_and_the_variables(tmp_path):
    result = harness("up", "--run-dir", str(tmp_path), "--backend", "endpoint")
    line = last_line(result)
    for name in (
        "--backend",
        "--endpoint-url",
        "ANIMEHUB_ENDPOINT_URL",
        "--endpoint-urls",
        "ANIMEHUB_ENDPOINT_URLS",
        "--endpoint-file",
        "ANIMEHUB_ENDPOINT_FILE",
    ):
        assert name in line


def test_version():
    result = harness("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"harness {__version__}"


def test_logs_since_names_the_flag(tmp_path):
    (tmp_path / "logs").mkdir()
    result = harness("logs", "--run-dir", str(tmp_path), "--since", "yesterday")
    assert last_line(result) == (
        "harness: --since: 'yesterday' is neither a duration (30s, 5m, 2h, 1d) nor an ISO time"
    )


@pytest.mark.parametrize(
    ("how", "named"),
    [
        (["--endpoint-urls", "s3=ftp://x"], "--endpoint-urls"),
        (["--endpoint-url", "localhost"], "--endpoint-url"),
    ],
)
def test_a_bad_endpoint_names_the_flag_typed(tmp_path, how, named):
    result = harness("up", "--run-dir", str(tmp_path), "--backend", "endpoint", *how)
    assert last_line(result).startswith(f"harness: {named}: ")


def test_a_bad_endpoint_from_the_environment_names_the_variable(tmp_path):
    env = {"ANIMEHUB_BACKEND": "endpoint", "ANIMEHUB_ENDPOINT_URLS": "s3=ftp://x"}
    result = harness("up", "--run-dir", str(tmp_path), env=env)
    assert last_line(result).startswith("harness: ANIMEHUB_ENDPOINT_URLS: ")


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["--to-time", "yesterday", "--source", "t", "--target", "u"],
            "harness: --to-time: 'yesterday' is not an ISO 8601 time (e.g. 2026-11-24T03:00:00Z)",
        ),
        (
            ["--latest", "--target", "u"],
            "harness: --source: name the table to restore to a point in time",
        ),
        (
            ["--backup", "arn:b", "--source", "t", "--target", "u"],
            "harness: --source: a backup names its own table; give one or the other",
        ),
    ],
    ids=["time", "no-source", "backup-and-source"],
)
def test_restore_refuses_bad_input_in_one_line(args, line, tmp_path):
    assert last_line(harness("restore", *args, "--run-dir", str(tmp_path))) == line


def test_restore_needs_a_running_stack(tmp_path):
    result = harness(
        "restore", "--latest", "--source", "t", "--target", "u", "--run-dir", str(tmp_path)
    )
    assert (
        last_line(result)
        == f"harness: no stack is running in {tmp_path}; start one with `harness up`"
    )
