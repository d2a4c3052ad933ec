"""A stack's data across `down` and `up` on real detached stacks: `--seed`, `--persist`,
`harness snapshot save|load`, and the provisioned-emulator cache seen from the CLI (the second
`up` restores what the first provisioned, with the same record, and none of the data).

One run directory, three stacks one after another (each stack start costs seconds of CPU):
the first provisions, is seeded and kept; the second, without --persist, comes from the cache
with no data until a snapshot is loaded; the third, with --persist, has what the first kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import boto3
import httpx
import pytest

from harness.pipelines.seed import ANIME, FANS
from harness.plumbing.local_ca import trusting
from harness.testkit.fans import PASSWORD, Fan, sign_in

pytestmark = pytest.mark.costly  # three detached stacks, one after another

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def harness(*args: str, home, cache) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "XDG_STATE_HOME": str(home), "ANIMEHUB_SNAPSHOT_CACHE": str(cache)},
    )


def _client(state: dict, service: str):
    return boto3.client(
        service,
        endpoint_url=state["endpoints"][service],
        region_name=state["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _edge(state: dict, path: str, **kwargs) -> httpx.Response:
    method = kwargs.pop("method", "GET")
    return httpx.request(
        method,
        state["edge_url"] + path,
        trust_env=False,
        verify=trusting(state["edge_ca"]),
        **kwargs,
    )


def _listed(state: dict) -> list[dict]:
    return _edge(state, "/api/anime", params={"limit": 100}).json()["items"]


def test_seeded_kept_and_snapshot_data_across_down_and_up(tmp_path):
    run_dir, home, cache = tmp_path / "run", tmp_path / "home", tmp_path / "cache"
    run = lambda *args: harness(*args, "--run-dir", str(run_dir), home=home, cache=cache)  # noqa: E731
    start = lambda *flags: run("up", "--detach", "--tasks", "1", *flags)  # noqa: E731
    kept = {"id": {"S": "kept-1"}}

    # 1. Provisioned (an empty cache), seeded, kept at down; a snapshot saved before it.
    up = start("--seed", "--persist")
    assert up.returncode == 0, up.stderr
    try:
        first = json.loads((run_dir / "state.json").read_text())
        assert "provisioning the stack" in first["timings"]
        assert "keeping the provisioned stack" in first["timings"]
        resources = first["resources"]
        for email in FANS:
            assert f"  {email}  {PASSWORD}" in up.stdout  # printed credentials
        # A printed fan signs in as printed, and finds what the seed shared and followed.
        fan = sign_in(
            _client(first, "cognito-idp"),
            resources["user_pool_client_id"],
            Fan(email=FANS[0], password=PASSWORD, sub=""),
        )
        me = _edge(first, "/api/me", headers=fan.auth_header)
        assert me.status_code == 200 and me.json()["follows"] == ["space", "cyberpunk"], me.text
        seeded = _listed(first)
        assert all(item["cover_url"] for item in seeded)
        assert sorted(item["title"] for item in seeded) == sorted(entry[0] for entry in ANIME)
        shared = _edge(
            first,
            "/api/anime",
            method="POST",
            json={"title": "Kaiba", "genres": ["space"], "year": 2008},
            headers=fan.auth_header,
        )
        assert shared.status_code == 201, shared.text

        _client(first, "dynamodb").put_item(
            TableName=resources["anime_table"], Item={**kept, "title": {"S": "Kaiba (kept)"}}
        )
        _client(first, "s3").put_object(
            Bucket=resources["media_bucket"],
            Key="covers/kept.png",
            Body=b"png",
            ContentType="image/png",
        )
        saved = run("snapshot", "save", "before-down")
        assert saved.returncode == 0, saved.stderr
        assert f"{resources['anime_table']} {len(ANIME) + 2}" in saved.stdout
    finally:
        down = run("down")
    assert down.returncode == 0, down.stderr

    # 2. Without --persist: the provisioned stack from the cache, none of the data, until the
    # snapshot is loaded.
    again = start()
    assert again.returncode == 0, again.stderr
    try:
        second = json.loads((run_dir / "state.json").read_text())
        assert "restoring the provisioned stack" in second["timings"]
        assert "provisioning the stack" not in second["timings"]
        assert "restored" not in second  # nothing kept was put back
        assert second["resources"] == resources  # the same record as provisioning gave
        dynamodb, s3 = _client(second, "dynamodb"), _client(second, "s3")
        # Negative control: the cache holds the provisioned stack, not the data.
        assert "Item" not in dynamodb.get_item(TableName=resources["anime_table"], Key=kept)
        assert _listed(second) == []

        missing = run("snapshot", "load", "never-saved")
        assert missing.returncode != 0
        assert (
            missing.stderr.strip()
            .splitlines()[-1]
            .endswith(
                "no snapshot 'never-saved' in "
                + str(run_dir / "snapshots")
                + " (saved: before-down)"
            )
        ), missing.stderr

        loaded = run("snapshot", "load", "before-down")
        assert loaded.returncode == 0, loaded.stderr
        item = dynamodb.get_item(TableName=resources["anime_table"], Key=kept)["Item"]
        assert item["title"] == {"S": "Kaiba (kept)"}
        cover = s3.get_object(Bucket=resources["media_bucket"], Key="covers/kept.png")
        assert cover["Body"].read() == b"png" and cover["ContentType"] == "image/png"
    finally:
        down = run("down")  # without --persist: what the first stack kept stays as it was
    assert down.returncode == 0, down.stderr

    # 3. With --persist: what the first stack kept, the seed's and the share.
    third = start("--persist")
    assert third.returncode == 0, third.stderr
    try:
        state = json.loads((run_dir / "state.json").read_text())
        assert state["restored"][resources["anime_table"]] == len(ANIME) + 2
        listed = _listed(state)
        assert "Kaiba" in [item["title"] for item in listed]
        assert len(listed) == len(ANIME) + 1  # the seed's and the share
        item = _client(state, "dynamodb").get_item(TableName=resources["anime_table"], Key=kept)
        assert item["Item"]["title"] == {"S": "Kaiba (kept)"}  # put straight into the table
        cover = _edge(state, next(i["cover_url"] for i in listed if i.get("cover_url")))
        assert cover.status_code == 200 and cover.headers["content-type"] == "image/png"
    finally:
        run("down")
