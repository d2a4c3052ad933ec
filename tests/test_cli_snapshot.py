"""`harness snapshot` without a stack: a bad name is one line. Saved and loaded on real detached
stacks: tests/test_cli_data.py."""

from __future__ import annotations

import os
import subprocess
import sys

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
