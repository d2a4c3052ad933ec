"""What one API task costs to start, forked from the pre-imported parent or spawned as a new
interpreter (ANIMEHUB_TASK_START), in the same run. Prints figures; it is not a test.

    .venv/bin/python benchmarks/task_start.py [--tasks 6] [--runs 3]

Each round starts `--tasks` real `python -m api` tasks one after another through the process
runtime, each to its port accepting connections, then stops them: the CPU of each task up to
its readiness (user + system, /proc), the wall time to it, and the parent's own CPU (its
imports, paid once per stack).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from benchlib import header, row

from harness.data_plane.ecs.process_runtime import EXEC, FORK, ProcessRuntime
from harness.data_plane.ecs.runtime import TaskLaunch
from harness.data_plane.ecs.task_process import free_port
from harness.plumbing.waiting import wait_until

API_ENV = {
    "ANIME_TABLE": "anime",
    "ANIME_FEED_INDEX": "feed",
    "USERS_TABLE": "users",
    "MEDIA_BUCKET": "media",
    "COGNITO_CLIENT_ID": "client",
    "COGNITO_USER_POOL_ID": "us-east-1_example",
    "SHARED_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:anime-shared",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def round_of(start: str, tasks: int, log_dir: Path) -> tuple[list[float], list[float], float]:
    runtime = ProcessRuntime(start=start, log_dir=log_dir)
    walls, cpus, parent_cpu = [], [], 0.0
    try:
        if start == FORK:
            runtime.start_parent().ready()
        for n in range(tasks):
            port = free_port("127.0.0.1")
            began = time.perf_counter()
            task = runtime.launch(
                TaskLaunch(
                    task_id=f"t{n}",
                    service="api",
                    image="animehub-api",
                    environment=API_ENV
                    | {"TASK_ID": f"t{n}", "HOST": "127.0.0.1", "PORT": str(port)},
                    host="127.0.0.1",
                    port=port,
                    log_path=log_dir / f"task-{start}-{n}.log",
                )
            ).start()
            wait_until(task.accepts_connections, what="the task's port", timeout=120)
            walls.append(time.perf_counter() - began)
            cpus.append(cpu_seconds(task.pid))
            task.stop(grace=10)
        if start == FORK:
            parent_cpu = cpu_seconds(runtime._parent.pid)
    finally:
        runtime.close()
    return walls, cpus, parent_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=6)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    header("One API task's start, forked vs spawned")
    figures = {FORK: ([], [], []), EXEC: ([], [], [])}
    with tempfile.TemporaryDirectory(prefix="animehub-task-start-") as tmp:
        for _ in range(args.runs):
            for start in (FORK, EXEC):
                walls, cpus, parent = round_of(start, args.tasks, Path(tmp))
                figures[start][0].extend(walls)
                figures[start][1].extend(cpus)
                figures[start][2].append(parent)
    for start, (walls, cpus, parents) in figures.items():
        print(f"{start}:")
        print(row("  to the port accepting", walls, " s"))
        print(row("  CPU per task to it", cpus, " s"))
        if start == FORK:
            print(row("  CPU of the parent (once per stack)", parents, " s"))
    fork_cpu, exec_cpu = figures[FORK][1], figures[EXEC][1]
    saved = sorted(exec_cpu)[len(exec_cpu) // 2] - sorted(fork_cpu)[len(fork_cpu) // 2]
    print(f"CPU saved per task (medians): {saved:.2f} s; python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
