"""`harness snapshot save|load` on real detached stacks, and the provisioned-emulator cache seen
from the CLI: the second `up` restores what the first provisioned, with the same record."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import boto3

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


def test_data_saved_in_a_snapshot_is_loaded_into_the_next_stack(tmp_path):
    run_dir, home, cache = tmp_path / "run", tmp_path / "home", tmp_path / "cache"
    run = lambda *args: harness(*args, "--run-dir", str(run_dir), home=home, cache=cache)  # noqa: E731

    up = run("up", "--detach")
    assert up.returncode == 0, up.stderr
    try:
        first = json.loads((run_dir / "state.json").read_text())
        assert "provisioning the stack" in first["timings"]  # an empty cache: provisioned
        assert "keeping the provisioned stack" in first["timings"]
        resources = first["resources"]
        _client(first, "dynamodb").put_item(
            TableName=resources["anime_table"],
            Item={"id": {"S": "kept-1"}, "title": {"S": "Kaiba"}},
        )
        _client(first, "s3").put_object(
            Bucket=resources["media_bucket"],
            Key="covers/kept.png",
            Body=b"png",
            ContentType="image/png",
        )
        saved = run("snapshot", "save", "before-down")
        assert saved.returncode == 0, saved.stderr
        assert f"{resources['anime_table']} 1" in saved.stdout
    finally:
        down = run("down")
    assert down.returncode == 0, down.stderr

    again = run("up", "--detach")
    assert again.returncode == 0, again.stderr
    try:
        second = json.loads((run_dir / "state.json").read_text())
        assert "restoring the provisioned stack" in second["timings"]
        assert "provisioning the stack" not in second["timings"]
        assert second["resources"] == resources  # the same record as provisioning gave
        dynamodb, s3 = _client(second, "dynamodb"), _client(second, "s3")
        key = {"id": {"S": "kept-1"}}
        # Negative control: the cache holds the provisioned stack, not the data.
        assert "Item" not in dynamodb.get_item(TableName=resources["anime_table"], Key=key)

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
        item = dynamodb.get_item(TableName=resources["anime_table"], Key=key)["Item"]
        assert item["title"] == {"S": "Kaiba"}
        cover = s3.get_object(Bucket=resources["media_bucket"], Key="covers/kept.png")
        assert cover["Body"].read() == b"png" and cover["ContentType"] == "image/png"
    finally:
        run("down")


def test_a_snapshot_name_that_is_not_a_name_is_one_line(tmp_path):
    bad = harness(
        "snapshot",
        "save",
        "../elsewhere",
        "--run-dir",
        str(tmp_path),
        home=tmp_path,
        cache=tmp_path,
    )
    assert bad.returncode != 0
    assert (
        bad.stderr.strip()
        .splitlines()[-1]
        .endswith("snapshot name '../elsewhere': use letters, digits, '.', '_' or '-' (at most 64)")
    ), bad.stderr
    assert "Traceback" not in bad.stderr
