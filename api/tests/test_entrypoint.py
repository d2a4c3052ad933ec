"""`python -m api` as a real process, given only the environment the harness exports."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import httpx
import pytest

from api.tests.conftest import anime_body, sign_up
from harness.plumbing.waiting import WaitTimedOut, wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def api_process(stack, tmp_path):
    port = free_port()
    env = stack.contract_env(
        HOST="127.0.0.1", PORT=str(port), TASK_ID="proc-1", APP_VERSION="1.2.3"
    )
    log_path = tmp_path / "api.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "api"], env=env, cwd=tmp_path, stdout=log, stderr=log
        )
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if process.poll() is not None:
            pytest.fail(f"api exited:\n{log_path.read_text()[-2000:]}")
        return httpx.get(f"{base}/api/health", timeout=1).status_code == 200

    try:
        try:
            wait_until(
                answers,
                what="the api to answer /api/health",
                timeout=60,  # only catches an API that never comes up
                transient=(httpx.TransportError,),
                logs=log_path.read_text,
            )
        except WaitTimedOut as exc:
            pytest.fail(f"{exc}:\n{exc.log_tail}")
        yield base, log_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_share_end_to_end_over_a_real_socket(api_process, stack):
    base, log_path = api_process
    fan = sign_up(stack)

    health = httpx.get(f"{base}/api/health")
    response = httpx.post(
        f"{base}/api/anime",
        json=anime_body(title="Cowboy Bebop", genres=["space", "noir"]),
        headers={**fan.auth_header, "X-Request-Id": "e2e-share-1"},
    )

    assert health.json() == {"status": "ok", "task_id": "proc-1", "version": "1.2.3"}
    assert response.status_code == 201, response.text
    assert response.headers["x-animehub-task"] == "proc-1"
    assert response.headers["x-request-id"] == "e2e-share-1"
    anime = response.json()
    item = stack.client("dynamodb").get_item(
        TableName=stack.anime_table, Key={"id": {"S": anime["id"]}}
    )["Item"]
    assert item["title"] == {"S": "Cowboy Bebop"}
    assert item["sharer"] == {"S": fan.sub}
    (message,) = stack.queue_messages(
        lambda m: m["MessageAttributes"]["anime_id"]["Value"] == anime["id"]
    )
    assert json.loads(message["Message"])["anime"]["title"] == "Cowboy Bebop"
    assert json.loads(message["MessageAttributes"]["genre"]["Value"]) == ["space", "noir"]
    listed = httpx.get(f"{base}/api/anime", params={"limit": 1}).json()["items"]
    assert listed[0]["id"] == anime["id"]

    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    access = [line for line in lines if line.get("request_id") == "e2e-share-1"]
    assert [(a["method"], a["path"], a["status"]) for a in access] == [("POST", "/api/anime", 201)]


def test_missing_settings_stop_the_process_with_the_variable_named(stack, tmp_path):
    env = stack.contract_env()
    del env["USERS_TABLE"]
    result = subprocess.run(
        [sys.executable, "-m", "api"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "USERS_TABLE" in result.stderr
