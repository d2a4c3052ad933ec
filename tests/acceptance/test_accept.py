"""`harness accept` for real: a stack, a browser and a scenario broken on purpose. The run is
rejected, and the report's timeline for the failed test joins the browser's request to the
edge's, the ALB's and the API task's log lines by one request id."""

import json
import subprocess
import sys
from pathlib import Path

from harness.acceptance import timeline
from harness.acceptance.report import read_results
from tests.testkit.conftest import UNUSED_PLUGINS

BROKEN_SCENARIO = """
def test_the_list_is_broken_on_purpose(page):
    with page.expect_response(
        lambda r: r.request.method == "GET" and "/api/anime" in r.url
    ) as listed:
        page.goto("/")
    assert listed.value.status == 418, "broken on purpose: the list answered as usual"
"""


def _accept(
    tmp_path: Path, source: str, env: dict, stack_state: str
) -> tuple[subprocess.CompletedProcess, Path]:
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "test_broken.py").write_text(source)
    results = tmp_path / "results"
    answer = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "accept",
            "--scenarios",
            str(scenarios),
            "--results-dir",
            str(results),
            "--workers",
            "1",
            # On this session's stack: what `accept` adds (the verdict, the report, the
            # timeline from the logs of every hop) is the same on any stack, and starting one
            # per pytest worker is the plugin's, which this whole session runs on.
            "--",
            "--animehub-stack-state",
            stack_state,
            *UNUSED_PLUGINS.split(),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    (folder,) = results.glob("accept-*")
    return answer, folder


def test_a_broken_scenario_is_rejected_and_its_timeline_joins_every_hop(
    tmp_path, python_subprocess_env, stack_state
):
    answer, folder = _accept(tmp_path, BROKEN_SCENARIO, python_subprocess_env, stack_state)

    assert answer.returncode == 1, answer.stdout + answer.stderr
    assert "harness accept: REJECTED (pytest exit status 1)" in answer.stdout
    page = (folder / "report.html").read_text()
    assert "REJECTED: 1 failed" in page
    assert "broken on purpose: the list answered as usual" in page
    assert "data:image/png;base64," in page
    assert "playwright show-trace " in page
    junit = (folder / "junit.xml").read_text()
    assert 'failures="1"' in junit and "test_the_list_is_broken_on_purpose" in junit

    (result,) = read_results(folder)
    assert result.outcome == "failed"
    listed = [
        t
        for t in timeline.build(Path(result.artifacts))
        if t.request["sender"] == "browser" and "/api/anime" in t.request["url"]
    ]
    assert listed, "the browser's GET /api/anime is not in the timeline"
    joined = listed[-1]
    assert joined.request_id and len(joined.request_id) == 56
    assert joined.sources() >= {"edge", "alb", "task"}, joined.entries
    for entry in joined.entries:
        if entry.source.startswith("task"):
            line = json.loads(entry.text)
            assert (line["method"], line["path"], line["status"]) == ("GET", "/api/anime", 200)
    assert joined.request_id in page
