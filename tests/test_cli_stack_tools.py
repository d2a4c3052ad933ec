"""`harness env/outputs/logs/ls/down` against real detached stacks, as a user runs them."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3
import httpx
import pytest

from harness.control_plane.record import OUTPUT_KEYS
from harness.plumbing.local_ca import trusting
from harness.plumbing.waiting import NotYet, wait_until
from harness.testkit.fans import create_fan

pytestmark = pytest.mark.costly  # detached stacks, shared by the module's tests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def registry_home(tmp_path_factory):
    """A registry of this module's own, so the user's stacks never show up in its checks."""
    return tmp_path_factory.mktemp("state-home")


def harness(*args: str, home, timeout: float = 120, env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, "XDG_STATE_HOME": str(home), **(env or {})},
    )


@pytest.fixture(scope="module")
def detached(tmp_path_factory, registry_home):
    """One detached stack for the module: its run directory and `up`'s result. (The `ls` test
    starts its second stack itself: started here, it would be started on every xdist worker
    that runs any test of this module, for nothing.)"""
    run_dir = tmp_path_factory.mktemp("stack")
    up = harness("up", "--detach", "--run-dir", str(run_dir), "--tasks", "1", home=registry_home)
    assert up.returncode == 0, up.stderr
    yield run_dir, up
    harness("down", "--run-dir", str(run_dir), home=registry_home)


ADMIN_GET_USER = """
import os, boto3
cognito = boto3.client("cognito-idp")
cognito.admin_create_user(
    UserPoolId=os.environ["UserPoolId"],
    Username="fan-from-env@example.com",
    UserAttributes=[{"Name": "email", "Value": "fan-from-env@example.com"}],
)
user = cognito.admin_get_user(
    UserPoolId=os.environ["UserPoolId"], Username="fan-from-env@example.com"
)
table = boto3.client("dynamodb").describe_table(TableName=os.environ["AnimeTable"])["Table"]
group = boto3.client("elbv2").describe_target_groups(TargetGroupArns=[os.environ["TargetGroupArn"]])
email = next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "email")
print(email, table["TableName"], group["TargetGroups"][0]["TargetGroupArn"])
"""


def test_env_exports_the_outputs_under_their_cloudformation_names(detached, registry_home):
    run_dir, _ = detached
    env = harness("env", "--run-dir", str(run_dir), home=registry_home)
    assert env.returncode == 0, env.stderr
    # A shell that knows nothing else: eval what `harness env` printed, then use the names.
    script = (
        f'eval "$({shlex.quote(sys.executable)} -m harness env --run-dir {run_dir})" && '
        f"{shlex.quote(sys.executable)} -c {shlex.quote(ADMIN_GET_USER)}"
    )
    bare = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "XDG_STATE_HOME": str(registry_home),
    }
    used = subprocess.run(
        ["bash", "-c", script], env=bare, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert used.returncode == 0, used.stderr

    outputs = json.loads(
        harness("outputs", "--json", "--run-dir", str(run_dir), home=registry_home).stdout
    )
    assert set(outputs) == {*OUTPUT_KEYS.values(), "EdgeUrl"}
    assert used.stdout.split() == [
        "fan-from-env@example.com",
        outputs["AnimeTable"],
        outputs["TargetGroupArn"],
    ]
    for name, value in outputs.items():
        assert f"export {name}={shlex.quote(value)}" in env.stdout


def test_logs_follow_one_shared_anime_from_the_edge_to_the_task(detached, registry_home):
    run_dir, _ = detached
    state = json.loads((run_dir / "state.json").read_text())
    resources = state["resources"]
    cognito = boto3.client(
        "cognito-idp",
        endpoint_url=state["endpoints"]["cognito-idp"],
        region_name=state["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    fan = create_fan(cognito, resources["user_pool_id"], resources["user_pool_client_id"])
    shared = httpx.post(
        state["edge_url"] + "/api/anime",
        json={"title": "Mushishi", "genres": ["iyashikei"], "year": 2005},
        headers=fan.auth_header,
        trust_env=False,
        verify=trusting(state["edge_ca"]),
    )
    assert shared.status_code == 201, shared.text
    request_id = shared.headers["x-amz-cf-id"]

    def sources() -> list[str]:
        logs = harness(
            "logs", "--request-id", request_id, "--run-dir", str(run_dir), home=registry_home
        )
        assert logs.returncode == 0, logs.stderr
        lines = logs.stdout.splitlines()
        # Each hop writes its line when the request ends there, the edge last of all.
        if len(lines) < 3:
            raise NotYet(f"{len(lines)} lines so far")
        return lines

    lines = wait_until(sources, what="the request's log lines", timeout=30)
    assert all(request_id in line for line in lines)
    hops = [line.split()[1].split("/")[0] for line in lines]
    assert hops == ["edge", "alb", "task"], lines
    times = [line.split()[0] for line in lines]
    assert times == sorted(times)
    assert '"POST http://' in lines[1] and " 201 201 " in lines[1]  # ALB access-log fields

    only_alb = harness(
        "logs",
        "--component",
        "alb",
        "--request-id",
        request_id,
        "--run-dir",
        str(run_dir),
        home=registry_home,
    )
    assert only_alb.stdout.splitlines() == [lines[1]]


def test_a_second_up_in_the_same_run_dir_says_the_same_whichever_way(detached, registry_home):
    run_dir, _ = detached
    with ThreadPoolExecutor() as pool:  # independent: both are refused before starting anything
        detached, foreground = pool.map(
            lambda how: harness("up", *how, "--run-dir", str(run_dir), home=registry_home),
            (["--detach"], []),
        )
    messages = [r.stderr.strip().splitlines()[-1] for r in (detached, foreground)]
    assert detached.returncode == foreground.returncode == 1
    assert messages[0] == messages[1]
    assert messages[0].startswith(f"harness: a stack is already running in {run_dir} (pid ")


def test_the_next_steps_up_prints_run_as_printed_from_anywhere(detached, tmp_path):
    _, up = detached
    steps = [line.strip() for line in up.stderr.splitlines() if line.startswith("  ")]
    status = next(step for step in steps if " status " in step)
    ran = subprocess.run(["bash", "-c", status], cwd=tmp_path, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert "edge (open in a browser)" in ran.stdout


def test_ls_lists_two_stacks_and_down_stops_one_whose_run_dir_was_deleted(
    detached, registry_home, tmp_path
):
    first, _ = detached
    second = tmp_path / "second"
    up = harness("up", "--detach", "--run-dir", str(second), "--tasks", "1", home=registry_home)
    assert up.returncode == 0, up.stderr
    pid = json.loads((second / "state.json").read_text())["pid"]
    try:
        listed = json.loads(harness("ls", "--json", home=registry_home).stdout)
        assert {s["run_dir"] for s in listed} == {str(first), str(second)}
        assert all(s["edge_url"].startswith("https://127.0.0.1:") for s in listed)

        shutil.rmtree(second)
        table = harness("ls", home=registry_home).stdout
        assert f"{second}  (deleted)" in table
        assert str(pid) in table

        down = harness("down", "--run-dir", str(second), home=registry_home)
        assert down.returncode == 0, down.stderr
        assert f"stopped the stack in {second}" in down.stderr
        listed = json.loads(harness("ls", "--json", home=registry_home).stdout)
        assert [s["run_dir"] for s in listed] == [str(first)]
    finally:
        if (second / "stack.lock").exists():
            harness("down", "--run-dir", str(second), home=registry_home)


def test_logs_follow_prints_a_new_request_as_it_happens(detached, registry_home, tmp_path):
    run_dir, _ = detached
    state = json.loads((run_dir / "state.json").read_text())
    out = tmp_path / "follow.txt"
    with open(out, "w") as sink:
        follow = subprocess.Popen(
            [sys.executable, "-m", "harness", "logs", "-f", "--component", "edge"],
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={
                **os.environ,
                "XDG_STATE_HOME": str(registry_home),
                "ANIMEHUB_RUN_DIR": str(run_dir),
            },
        )
    try:
        request_id = httpx.get(
            state["edge_url"] + "/api/health", trust_env=False, verify=trusting(state["edge_ca"])
        ).headers["x-amz-cf-id"]

        wait_until(lambda: request_id in out.read_text(), what="the followed request", timeout=30)
    finally:
        follow.terminate()
        follow.wait(timeout=10)
    lines = out.read_text().splitlines()
    assert all(" edge " in line for line in lines), lines
