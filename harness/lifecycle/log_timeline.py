"""The run directory's logs as one timeline: each line with its component and time.

Every component writes its own file under `<run_dir>/logs/`: the edge's and the ALB's access
logs, the ALB's and the harness's own logs, one file per ECS task (JSON lines), and whatever
else a part adds (an emulator or mail sink log). A request's lines sit at the moment the
request *arrived* at that hop (access logs are written when it ends), so one request reads
edge, ALB, task in the order it travelled; the join key is the edge's request id.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ASCTIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ")
EDGE_DURATION = re.compile(r" (\d+(?:\.\d+)?)ms ")
ALB_FIELDS = re.compile(r'"[^"]*"|\S+')
ALB_TYPES = ("http", "https", "h2", "grpcs", "ws", "wss")
ALB_CREATION_TIME = 21  # request_creation_time, in AWS's field order
# Log files that repeat others (the detached child's console) stay out of the timeline.
SKIPPED = {"up.log"}
TASK_ID_SHOWN = 8
# The harness's own log also carries what some parts log to their own file (the ALB), and the
# push sink, which has no file: those lines go under the part's name, once.
HARNESS_LOGGERS = {
    "harness.data_plane.push_sink": "push-sink",
    "harness.data_plane.mail_sink": "mail-sink",
    "harness.data_plane.cognito": "cognito",
    "harness.data_plane.alb": None,
}
HARNESS_LOGGER = re.compile(r"^\S+ \S+ \w+ ([\w.]+): ")
# On a tie (logs keep milliseconds) the hop nearer the viewer comes first.
HOP_ORDER = {"edge": 0, "alb": 1, "task": 2}


@dataclass(order=True)
class Line:
    time: float
    rank: int
    source: str = field(compare=False)  # "edge", "alb", "task/<id>", "harness", ...
    text: str = field(compare=False)

    @property
    def component(self) -> str:
        return self.source.split("/", 1)[0]

    def render(self) -> str:
        stamp = datetime.fromtimestamp(self.time, UTC).strftime("%H:%M:%S.%f")[:-3]
        return f"{stamp}Z {self.source:<14} {self.text}"


def source_of(path: Path, logs: Path) -> str | None:
    """The component a log file belongs to, or None for files left out."""
    if path.name in SKIPPED or path.suffix != ".log":
        return None
    if path.parent.name == "tasks" and path.parent.parent == logs:
        return "task/" + path.stem.rsplit("-", 1)[-1][:TASK_ID_SHOWN]
    return path.stem.removesuffix("-access")


def log_files(logs: Path) -> list[Path]:
    return sorted(p for p in logs.rglob("*.log") if source_of(p, logs))


def _asctime(text: str) -> float | None:
    match = ASCTIME.match(text)
    if not match:
        return None
    # logging's asctime is local time.
    return datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()


def _iso(value: str) -> float | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def line_time(source: str, text: str) -> float | None:
    """When the line's event began, or None for a continuation (a traceback's next line)."""
    if text.startswith("{"):
        try:
            record = json.loads(text)
        except json.JSONDecodeError:
            record = None
        if isinstance(record, dict) and "ts" in record:
            at = _iso(str(record["ts"]))
            if at is not None and isinstance(record.get("duration_ms"), int | float):
                at -= record["duration_ms"] / 1000
            return at
    if text.split(" ", 1)[0] in ALB_TYPES:
        fields = ALB_FIELDS.findall(text)
        if len(fields) > ALB_CREATION_TIME:
            return _iso(fields[ALB_CREATION_TIME]) or _iso(fields[1])
    at = _asctime(text)
    if at is not None and source == "edge":
        duration = EDGE_DURATION.search(text)
        if duration:
            at -= float(duration.group(1)) / 1000
    return at


def _relabel(source: str, text: str, previous: str | None) -> str | None:
    """The source a harness.log line belongs to, None to leave it out (it has its own file)."""
    if source != "harness":
        return source
    match = HARNESS_LOGGER.match(text)
    if not match:
        return previous  # a traceback's next line goes with its record
    for prefix, part in HARNESS_LOGGERS.items():
        if match.group(1).startswith(prefix):
            return part
    return source


def parse(source: str, texts: Iterable[str], last_time: float = 0.0) -> Iterator[Line]:
    """Lines of one file; a line without a time of its own (a traceback) keeps the last one."""
    label: str | None = source
    for text in texts:
        if not text.strip():
            continue
        at = line_time(source, text)
        last_time = last_time if at is None else at
        label = _relabel(source, text, label)
        if label is not None:
            rank = HOP_ORDER.get(label.split("/", 1)[0], len(HOP_ORDER))
            yield Line(last_time, rank, label, text.rstrip("\n"))


@dataclass
class Filter:
    components: frozenset[str] = frozenset()
    request_id: str | None = None
    since: float | None = None

    def __call__(self, line: Line) -> bool:
        if self.components and line.component not in self.components:
            return False
        if self.request_id and self.request_id not in line.text:
            return False
        return self.since is None or line.time >= self.since


class Follower:
    """Reads each log file from where it left off; new files (a new task) join as they appear."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self._offsets: dict[Path, int] = {}
        self._partial: dict[Path, str] = {}
        self._last_time: dict[Path, float] = {}

    def read_new(self) -> list[Line]:
        lines: list[Line] = []
        for path in log_files(self.logs) if self.logs.is_dir() else []:
            source = source_of(path, self.logs)
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    handle.seek(self._offsets.get(path, 0))
                    chunk = handle.read()
                    self._offsets[path] = handle.tell()
            except OSError:
                continue
            text = self._partial.pop(path, "") + chunk
            complete, _, rest = text.rpartition("\n")
            if rest:
                self._partial[path] = rest
            parsed = list(parse(source, complete.splitlines(), self._last_time.get(path, 0.0)))
            if parsed:
                self._last_time[path] = parsed[-1].time
            lines.extend(parsed)
        return sorted(lines)
