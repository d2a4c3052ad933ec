"""The acceptance report: one self-contained HTML page (screenshots embedded) beside the JUnit
XML that pytest wrote, built from the run's `tests.jsonl` and each failed test's artifacts."""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass, field
from pathlib import Path

from harness.acceptance import timeline
from harness.acceptance.collector import OUTCOMES_FILE

REPORT_FILE = "report.html"
JUNIT_FILE = "junit.xml"


@dataclass
class TestResult:
    nodeid: str
    outcome: str = "passed"
    duration: float = 0.0
    messages: list[str] = field(default_factory=list)
    skip_reason: str = ""
    artifacts: str | None = None

    def add(self, line: dict) -> None:
        self.duration += line.get("duration") or 0.0
        if line["outcome"] == "failed":
            self.outcome = "failed" if line["when"] == "call" else "error"
            self.messages.append(f"[{line['when']}] {line['message']}")
            self.artifacts = self.artifacts or line.get("artifacts")
        elif line["outcome"] == "skipped" and self.outcome == "passed":
            self.outcome = "skipped"
            self.skip_reason = line.get("skip_reason") or ""


def read_results(folder: Path) -> list[TestResult]:
    results: dict[str, TestResult] = {}
    path = folder / OUTCOMES_FILE
    if not path.exists():
        return []
    for raw in path.read_text().splitlines():
        line = json.loads(raw)
        results.setdefault(line["nodeid"], TestResult(line["nodeid"])).add(line)
    return list(results.values())


def _e(text) -> str:
    return html.escape(str(text))


def _screenshots(folder: Path) -> str:
    parts = []
    for shot in sorted(folder.glob("screenshot-*.png")):
        data = base64.b64encode(shot.read_bytes()).decode()
        parts.append(f'<img alt="{_e(shot.name)}" src="data:image/png;base64,{data}">')
    return "".join(parts) or "<p>no screenshot (no open page)</p>"


def _traces(folder: Path) -> str:
    traces = sorted(folder.rglob("trace*.zip"))
    if not traces:
        return "<p>no Playwright trace</p>"
    return "".join(
        f'<p>trace: <a href="file://{_e(t)}">{_e(t)}</a><br>'
        f"<code>playwright show-trace {_e(t)}</code></p>"
        for t in traces
    )


def _timeline(folder: Path) -> str:
    rows = []
    for item in timeline.build(folder):
        request = item.request
        status = request.get("status")
        cls = "bad" if isinstance(status, int) and status >= 400 else ""
        rows.append(
            f'<tr class="request {cls}"><td>{_e(request.get("sender"))}</td>'
            f"<td>{_e(request.get('method'))} {_e(request.get('url'))} &rarr; {_e(status)} "
            f"{_e(request.get('x_cache') or '')}</td>"
            f'<td class="rid">{_e(item.request_id or "(no request id)")}</td></tr>'
        )
        rows += [
            f'<tr class="hop"><td>{_e(e.source)}</td><td colspan="2"><code>{_e(e.text)}</code>'
            "</td></tr>"
            for e in item.entries
        ]
    if not rows:
        return "<p>no request recorded</p>"
    return f'<table class="timeline">{"".join(rows)}</table>'


def _failure(result: TestResult) -> str:
    body = f"<pre>{_e(chr(10).join(result.messages))}</pre>"
    if result.artifacts:
        folder = Path(result.artifacts)
        body += (
            f"<p>artifacts: <code>{_e(folder)}</code></p>"
            f"<h4>Screenshot</h4>{_screenshots(folder)}"
            f"<h4>Trace</h4>{_traces(folder)}"
            f"<h4>Timeline, by request id</h4>{_timeline(folder)}"
        )
    anchor = _e(result.nodeid)
    return f'<section class="failure" id="{anchor}"><h3>{anchor}</h3>{body}</section>'


STYLE = """
body{font-family:sans-serif;margin:2em;max-width:90em}
.verdict{font-size:1.5em;padding:.5em;color:#fff}.pass{background:#2a7d2a}.fail{background:#b22}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;vertical-align:top}
tr.request td{background:#eef}tr.request.bad td{background:#fdd}td.rid{font-family:monospace}
tr.hop td:first-child{padding-left:2em}img{max-width:45em;border:1px solid #999;margin:.3em}
code{white-space:pre-wrap;word-break:break-all}
"""


def render(results: list[TestResult], versions: dict, verdict_ok: bool, junit: Path) -> str:
    counts: dict[str, int] = {}
    for r in results:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no test ran"
    verdict = "ACCEPTED" if verdict_ok else "REJECTED"
    version_rows = "".join(
        f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in versions.items()
    )
    test_rows = "".join(
        f"<tr><td>{_e(r.outcome)}</td><td>"
        + (
            f'<a href="#{_e(r.nodeid)}">{_e(r.nodeid)}</a>'
            if r.outcome in ("failed", "error")
            else _e(r.nodeid)
        )
        + f"</td><td>{r.duration:.1f} s</td><td>{_e(r.skip_reason)}</td></tr>"
        for r in sorted(results, key=lambda r: (r.outcome == "passed", r.nodeid))
    )
    failures = "".join(_failure(r) for r in results if r.outcome in ("failed", "error"))
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>AnimeHub acceptance: {verdict}</title><style>{STYLE}</style></head><body>
<div class="verdict {"pass" if verdict_ok else "fail"}">{verdict}: {_e(summary)}</div>
<h2>Versions tested</h2><table>{version_rows}</table>
<p>JUnit XML: <code>{_e(junit)}</code></p>
<h2>Tests</h2><table>
<tr><th>outcome</th><th>test</th><th>time</th><th>skip reason</th></tr>{test_rows}</table>
<h2>Failures</h2>{failures or "<p>none</p>"}
</body></html>"""


def write(folder: Path, versions: dict, verdict_ok: bool) -> Path:
    results = read_results(folder)
    path = folder / REPORT_FILE
    path.write_text(render(results, versions, verdict_ok, folder / JUNIT_FILE), encoding="utf-8")
    return path
