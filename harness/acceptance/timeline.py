"""One failed test's timeline: for each request its browser (or test client) sent, every line
the edge, the ALB and the API task wrote about it, joined by the request id (CloudFront's
X-Amz-Cf-Id, which the ALB logs and the API takes as its request_id), and the pushes the
request's share caused (joined by the anime id in the answer's Location)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

# Which hop a log file speaks for, by its name under the run's logs/.
SOURCES = (
    ("edge-access.log", "edge"),
    ("alb-access.log", "alb"),
    ("alb.log", "alb (events)"),
)
_ANIME_LOCATION = re.compile(r"/api/anime/(?P<id>[0-9a-f]{32})$")


@dataclass
class Entry:
    source: str
    text: str


@dataclass
class RequestTimeline:
    request: dict
    entries: list[Entry] = field(default_factory=list)

    @property
    def request_id(self) -> str | None:
        return self.request.get("request_id")

    def sources(self) -> set[str]:
        return {e.source.split(" ")[0] for e in self.entries}


def source_of(path: Path, logs: Path) -> str:
    relative = path.relative_to(logs)
    if relative.parts[0] == "tasks":
        return f"task {path.stem.removeprefix('task-')}"
    for name, source in SOURCES:
        if relative.name == name:
            return source
    return str(relative)


def log_lines(logs: Path) -> list[tuple[str, str]]:
    """(source, line) of every log file under `logs`."""
    found = []
    if not logs.is_dir():
        return found
    for path in sorted(p for p in logs.rglob("*") if p.is_file()):
        source = source_of(path, logs)
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found += [(source, line) for line in text.splitlines() if line.strip()]
    return found


def _task_line(line: str) -> str:
    """A task's JSON log line, shortened to what a reader needs."""
    try:
        doc = json.loads(line)
    except ValueError:
        return line
    keep = ("ts", "level", "message", "method", "path", "status", "duration_ms", "error")
    shown = {k: doc[k] for k in keep if k in doc}
    if "exc_info" in doc or "exception" in doc:
        shown["exception"] = doc.get("exc_info") or doc.get("exception")
    return json.dumps(shown)


def pushes_for(request: dict, pushes: dict) -> list[Entry]:
    match = _ANIME_LOCATION.search(request.get("location") or "")
    if not match or not isinstance(pushes, dict):
        return []
    entries = []
    for device, notifications in pushes.items():
        for note in notifications if isinstance(notifications, list) else []:
            if (note.get("attributes") or {}).get("anime_id") == match["id"]:
                entries.append(
                    Entry(
                        "push sink",
                        f"delivered to device {device}: message {note.get('message_id')} "
                        f"at {note.get('received_at')}",
                    )
                )
    return entries


def build(artifacts: Path) -> list[RequestTimeline]:
    """The timeline of a failed test from its artifacts folder (requests.json, pushes.json,
    logs/)."""
    requests = _load(artifacts / "requests.json", [])
    pushes = _load(artifacts / "pushes.json", {})
    lines = log_lines(artifacts / "logs")
    timelines = []
    for request in requests:
        timeline = RequestTimeline(request)
        rid = timeline.request_id
        if rid:
            for source, line in lines:
                if rid in line:
                    text = _task_line(line) if source.startswith("task") else line
                    timeline.entries.append(Entry(source, text))
        timeline.entries += pushes_for(request, pushes)
        timelines.append(timeline)
    return timelines


def _load(path: Path, default):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return default
