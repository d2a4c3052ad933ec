"""The CLI as a user runs it: a real `python -m harness` process, real ports, real signals."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pytest

from harness.plumbing.waiting import WaitTimedOut, wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def harness(*args: str, timeout: float = 90, env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def assert_one_line_error(result, *words: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("harness: ")
    for word in words:
        assert word in last


def test_unknown_backend_is_one_line(tmp_path):
    result = harness("up", "--run-dir", str(tmp_path), "--backend", "lokalstack")
    assert_one_line_error(result, "--backend", "unknown backend 'lokalstack'", "embedded")


def test_unknown_backend_from_the_environment_names_the_variable(tmp_path):
    result = harness("status", "--run-dir", str(tmp_path), env={"ANIMEHUB_BACKEND": "x"})
    assert_one_line_error(result, "ANIMEHUB_BACKEND")


def test_unwritable_run_dir_is_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = harness("up", "--run-dir", str(blocker / "run"))
    assert_one_line_error(result, "--run-dir", "not writable")


def test_fixed_port_in_use_is_one_line(tmp_path):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        result = harness("up", "--run-dir", str(tmp_path), "--emulator-port", str(port))
    finally:
        taken.close()
    assert_one_line_error(result, f"port {port}", "already in use")


def test_status_of_nothing_says_so(tmp_path):
    result = harness("status", "--run-dir", str(tmp_path), "--json")
    assert result.returncode == 3
    assert json.loads(result.stdout) == {"running": False, "run_dir": str(tmp_path)}


# A whole detached stack, twice ----------------------------------------------------------------


def _pids_and_listeners(doc) -> tuple[set[int], dict[int, str]]:
    """The stack's processes, and its listening sockets (inode -> address) now.

    A socket is known by its inode, not its port number: once `down` frees a port, another
    process (another stack on this machine) may bind that number again, and that is not a
    socket the stack left behind. A listener that outlives the stack keeps its inode, whichever
    process still holds it."""
    pids, addresses = set(), set()

    def walk(value, key=""):
        if isinstance(value, dict):
            port, host = value.get("port"), value.get("host") or value.get("id")
            if isinstance(port, int) and isinstance(host, str):
                addresses.add((host, port))  # a task or a target: it listens on 127.0.0.x
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif key == "pid" and isinstance(value, int):
            pids.add(value)
        elif isinstance(value, str) and value.startswith(("http://127.", "https://127.")):
            url = urlparse(value)
            addresses.add((url.hostname, url.port))

    walk(doc)
    # Only what the stack's processes hold: an address in the document can be another
    # process's socket by now (a task replaced, its port taken again).
    held = _socket_inodes(_with_descendants(pids))
    listeners = {
        inode: f"{h}:{p}" for (h, p), inode in _listening() if (h, p) in addresses and inode in held
    }
    return pids, listeners


def _with_descendants(pids: set[int]) -> set[int]:
    """`pids` and every process below them (the edge's process is not in the document)."""
    parents = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                parents[int(pid)] = int(stat.read().split(") ")[-1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, grown = set(pids), True
    while grown:
        below = {pid for pid, parent in parents.items() if parent in found} - found
        found |= below
        grown = bool(below)
    return found


def _socket_inodes(pids: set[int]) -> set[int]:
    inodes = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(int(target[8:-1]))
        except OSError:
            continue
    return inodes


def _listening() -> list[tuple[tuple[str, int], int]]:
    """Every IPv4 listening TCP socket of this network namespace: ((ip, port), inode)."""
    found = []
    with open("/proc/net/tcp") as table:
        next(table)
        for line in table:
            fields = line.split()
            if fields[3] != "0A":  # TCP_LISTEN
                continue
            ip, port = fields[1].split(":")
            address = socket.inet_ntoa(bytes.fromhex(ip)[::-1]), int(port, 16)
            found.append((address, int(fields[9])))
    return found


def _holders(inode: int) -> list[str]:
    """Which processes hold this socket open: pid and command line."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]" for fd in fds):
                with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                    command = cmdline.read().replace(b"\0", b" ").decode()
                found.append(f"{pid} {command[:120]}")
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes: it holds no port and runs nothing.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1][0] != "Z"
    except FileNotFoundError:
        return False


LIST_THE_STACK = """
import json, boto3
s = boto3.session.Session()
cf = s.client("cloudfront")
dist = cf.list_distributions()["DistributionList"]["Items"][0]
print(json.dumps({
    "buckets": sorted(b["Name"] for b in s.client("s3").list_buckets()["Buckets"]),
    "tables": s.client("dynamodb").list_tables()["TableNames"],
    "pools": [p["Id"] for p in s.client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"]],
    "topics": [t["TopicArn"] for t in s.client("sns").list_topics()["Topics"]],
    "services": s.client("ecs").list_services(cluster="animehub")["serviceArns"],
    "behaviours": 1 + dist["CacheBehaviors"]["Quantity"],
}))
"""


def assert_sdk_sees_the_stack(exports: str, resources: dict) -> None:
    """boto3 in a fresh process, given only what `harness env` printed, finds the stack."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    for line in exports.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        env[name] = value.strip("'")
    listed = subprocess.run(
        [sys.executable, "-c", LIST_THE_STACK], env=env, capture_output=True, text=True
    )
    assert listed.returncode == 0, listed.stderr
    seen = json.loads(listed.stdout)
    assert {resources["web_bucket"], resources["media_bucket"]} <= set(seen["buckets"])
    assert resources["anime_table"] in seen["tables"]
    assert resources["user_pool_id"] in seen["pools"]
    assert resources["topic_arn"] in seen["topics"]
    assert any(arn.endswith("/" + resources["service"]) for arn in seen["services"])
    assert seen["behaviours"] == 3


@pytest.fixture(scope="module")
def two_stacks(tmp_path_factory):
    """Two detached stacks started at once (one task and two): two stacks on one machine must
    not collide, even while starting. Each test below ends one of them its own way."""
    base = tmp_path_factory.mktemp("two-stacks")
    dirs = [base / "one", base / "two"]
    ups = [
        subprocess.Popen(
            [sys.executable, "-m", "harness", "up", "--detach", "--run-dir", str(d)]
            + ["--tasks", str(tasks)]
            # The tasks' processes are counted; tests/data_plane/ecs covers containers.
            + ["--task-runtime", "process"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for d, tasks in zip(dirs, (1, 2), strict=True)
    ]
    try:
        for up in ups:
            _, err = up.communicate(timeout=90)
            assert up.returncode == 0, err
        with ThreadPoolExecutor() as pool:
            statuses = list(
                pool.map(lambda d: harness("status", "--json", "--run-dir", str(d)), dirs)
            )
        docs = []
        for status in statuses:
            assert status.returncode == 0, status.stderr
            docs.append(json.loads(status.stdout))
        yield list(zip(dirs, docs, strict=True))
    finally:
        with ThreadPoolExecutor() as pool:  # each down waits for its stack: overlap the waits
            for d in dirs:
                pool.submit(harness, "down", "--run-dir", str(d))


@pytest.mark.costly  # with the next test: two detached stacks (a module fixture)
def test_two_detached_stacks_then_down_leaves_nothing_behind(two_stacks):
    (one_dir, one), (_, two) = two_stacks
    assert one["edge_url"] and two["edge_url"] and one["edge_url"] != two["edge_url"]
    assert one["endpoints"]["s3"] != two["endpoints"]["s3"]
    assert one["resources"]["distribution_id"]
    assert one["components"]["ecs_agent"] is not None

    env = harness("env", "--run-dir", str(one_dir))
    assert f"export AWS_ENDPOINT_URL={one['endpoints']['s3']}" in env.stdout
    assert_sdk_sees_the_stack(env.stdout, one["resources"])

    again = harness("up", "--detach", "--run-dir", str(one_dir))
    assert_one_line_error(again, "already running")

    pids, listeners = _pids_and_listeners(one)
    assert len(pids) >= 2  # the harness and at least one API task
    down = harness("down", "--run-dir", str(one_dir))
    assert down.returncode == 0, down.stderr
    _wait_until_gone(pids, listeners)
    assert harness("status", "--run-dir", str(one_dir)).returncode == 3


@pytest.mark.costly
def test_a_killed_harness_takes_its_tasks_with_it(two_stacks):
    (_, _), (run_dir, doc) = two_stacks
    pids, listeners = _pids_and_listeners(doc)
    assert len(pids) >= 3  # the harness and its two API tasks
    os.kill(doc["pid"], signal.SIGKILL)
    _wait_until_gone(pids, listeners)
    after = harness("status", "--run-dir", str(run_dir))
    assert after.returncode == 3


def _wait_until_gone(pids: set[int], listeners: dict[int, str]) -> None:
    assert listeners, "the stack's listening sockets were not found: nothing would be checked"

    def left() -> list[str]:
        return sorted(
            f"{listeners[inode]} held by {_holders(inode)}"
            for _, inode in _listening()
            if inode in listeners
        )

    with contextlib.suppress(WaitTimedOut):  # the asserts below name what is left
        wait_until(
            lambda: not any(_alive(p) for p in pids) and not left(),
            what="the stack's processes and listening sockets to be gone",
            timeout=30,  # only catches a hang: what outlives the stack stays
            interval=0.1,
        )
    assert [p for p in pids if _alive(p)] == []
    assert left() == []


@pytest.mark.costly  # a foreground stack
def test_foreground_up_stops_everything_on_ctrl_c(tmp_path):
    up = subprocess.Popen(
        [sys.executable, "-m", "harness", "up", "--run-dir", str(tmp_path), "--tasks", "1"]
        + ["--task-runtime", "process"],  # its processes are counted; tests/ecs: containers
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def state_written() -> bool:
            assert up.poll() is None, up.stderr.read()
            return (tmp_path / "state.json").exists()

        wait_until(
            state_written, what="the foreground stack's state file", timeout=300
        )  # a loaded machine took 195 s
        status = harness("status", "--json", "--run-dir", str(tmp_path))
        pids, listeners = _pids_and_listeners(json.loads(status.stdout))
        up.send_signal(signal.SIGINT)
        out, err = up.communicate(timeout=30)
    finally:
        if up.poll() is None:
            up.kill()
            # Reaped and its pipes closed here: left to the garbage collector, they fail
            # whichever test runs next with an unraisable ResourceWarning.
            up.communicate()
    assert up.returncode == 0, err
    assert "edge (open in a browser)" in out
    assert "stopping" in err
    _wait_until_gone(pids - {up.pid}, listeners)
    assert not (tmp_path / "state.json").exists()
