"""`harness up --seed` and `--persist`, on real detached stacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import boto3
import httpx

from harness.pipelines.seed import ANIME, FANS
from harness.plumbing.local_ca import trusting
from harness.testkit.fans import PASSWORD, Fan, sign_in

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def harness(*args: str, home) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        env={**os.environ, "XDG_STATE_HOME": str(home)},
    )


def test_seeded_data_and_a_share_survive_down_and_up_with_persist(tmp_path):
    run_dir, home = tmp_path / "run", tmp_path / "home"
    up = harness("up", "--detach", "--seed", "--persist", "--run-dir", str(run_dir), home=home)
    assert up.returncode == 0, up.stderr
    try:
        state = json.loads((run_dir / "state.json").read_text())
        for email in FANS:
            assert f"  {email}  {PASSWORD}" in up.stdout  # printed credentials
        # A printed fan signs in as printed, and finds what the seed shared and followed.
        cognito = boto3.client(
            "cognito-idp",
            endpoint_url=state["endpoints"]["cognito-idp"],
            region_name=state["region"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        fan = sign_in(
            cognito,
            state["resources"]["user_pool_client_id"],
            Fan(email=FANS[0], password=PASSWORD, sub=""),
        )
        me = httpx.get(
            f"{state['edge_url']}/api/me",
            headers=fan.auth_header,
            trust_env=False,
            verify=trusting(state["edge_ca"]),
        )
        assert me.status_code == 200 and me.json()["follows"] == ["space", "cyberpunk"], me.text
        seeded = httpx.get(
            f"{state['edge_url']}/api/anime",
            params={"limit": 100},
            trust_env=False,
            verify=trusting(state["edge_ca"]),
        ).json()["items"]
        assert all(item["cover_url"] for item in seeded)
        assert sorted(item["title"] for item in seeded) == sorted(entry[0] for entry in ANIME)

        shared = httpx.post(
            f"{state['edge_url']}/api/anime",
            json={"title": "Kaiba", "genres": ["space"], "year": 2008},
            headers=fan.auth_header,
            trust_env=False,
            verify=trusting(state["edge_ca"]),
        )
        assert shared.status_code == 201, shared.text
    finally:
        down = harness("down", "--run-dir", str(run_dir), home=home)
    assert down.returncode == 0, down.stderr

    again = harness("up", "--detach", "--persist", "--run-dir", str(run_dir), home=home)
    assert again.returncode == 0, again.stderr
    try:
        state = json.loads((run_dir / "state.json").read_text())
        listed = httpx.get(
            f"{state['edge_url']}/api/anime",
            params={"limit": 100},
            trust_env=False,
            verify=trusting(state["edge_ca"]),
        ).json()["items"]
        assert "Kaiba" in [item["title"] for item in listed]
        assert len(listed) == len(ANIME) + 1
        cover = httpx.get(
            state["edge_url"] + next(i["cover_url"] for i in listed if i.get("cover_url")),
            trust_env=False,
            verify=trusting(state["edge_ca"]),
        )
        assert cover.status_code == 200 and cover.headers["content-type"] == "image/png"
    finally:
        harness("down", "--run-dir", str(run_dir), home=home)
