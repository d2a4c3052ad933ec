"""`harness up | down | status | env | accept`: the stack from a shell."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from harness.cli_commands import accept, fault
from harness.errors import HarnessError
from harness.faults.store import FaultStore
from harness.lifecycle.run_dir import RunDir
from harness.lifecycle.status_view import render, summary
from harness.settings import BACKENDS, Settings, default_run_dir

EXIT_NOT_RUNNING = 3
DETACH_TIMEOUT = 120.0


def _settings_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", help=f"where the AWS APIs come from: {', '.join(BACKENDS)}")
    parser.add_argument("--region", help="AWS region (default us-east-1)")
    parser.add_argument("--tasks", help="API tasks the ECS service runs (1-10, default 2)")
    parser.add_argument("--edge-port", help="port of the edge (CloudFront); 0 = a free port")
    parser.add_argument("--alb-port", help="port of the load balancer; 0 = a free port")
    parser.add_argument("--emulator-port", help="port of the embedded emulator; 0 = a free port")
    parser.add_argument("--push-sink-port", help="port of the push sink; 0 = a free port")
    parser.add_argument("--endpoint-url", help="endpoint backend: one URL for every service")
    parser.add_argument(
        "--endpoint-urls", help="endpoint backend: service=url pairs, comma-separated"
    )
    parser.add_argument(
        "--endpoint-file", help="endpoint backend: a YAML file (default: URL, service: URL)"
    )
    parser.add_argument("--aws-stack-name", help="aws backend: the CloudFormation stack")


def _run_dir_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--run-dir",
        type=Path,
        help=f"directory for logs and state (default {default_run_dir()}; env ANIMEHUB_RUN_DIR)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harness", description="Run the AnimeHub stack on this machine, offline."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = commands.add_parser("up", help="start the stack (foreground until Ctrl-C)")
    _run_dir_flag(up)
    _settings_flags(up)
    up.add_argument("--detach", action="store_true", help="return once ready; stop with `down`")

    down = commands.add_parser("down", help="stop a detached stack")
    _run_dir_flag(down)
    down.add_argument("--timeout", type=float, default=30.0, help="seconds to wait (default 30)")

    status = commands.add_parser("status", help="health of each component")
    _run_dir_flag(status)
    status.add_argument("--json", action="store_true", help="one JSON document")

    env = commands.add_parser("env", help="export lines pointing the AWS CLI and SDKs here")
    _run_dir_flag(env)

    accept.add_parser(commands)
    fault.add_parser(commands)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    flags = {
        name: getattr(args, name, None)
        for name in (
            "backend",
            "region",
            "tasks",
            "edge_port",
            "alb_port",
            "emulator_port",
            "push_sink_port",
            "endpoint_url",
            "endpoint_urls",
            "endpoint_file",
            "aws_stack_name",
            "run_dir",
        )
    }
    return Settings.from_env(**flags)


def _run_dir(args: argparse.Namespace) -> RunDir:
    return RunDir(_settings(args).run_dir)


# up ---------------------------------------------------------------------------------------


def _progress(step: str, seconds: float | None) -> None:
    if seconds is None:
        print(f"… {step}", file=sys.stderr, flush=True)
    else:
        print(f"✓ {step} ({seconds:.2f}s)", file=sys.stderr, flush=True)


def _configure_logging(run_dir: RunDir) -> None:
    handler = logging.FileHandler(run_dir.logs / "harness.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # One line per health check and origin fetch would drown what the harness itself says.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _up_foreground(settings: Settings) -> int:
    from harness.lifecycle.stack import Stack

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda *_: stop.set())

    run_dir = RunDir(settings.run_dir).prepare()
    _configure_logging(run_dir)
    stack = Stack(settings, progress=_progress)
    try:
        stack.start()
    except BaseException:
        stack.stop()
        raise
    try:
        doc = stack.describe()
        stack.run_dir.write_state(doc)
        print(summary(doc), flush=True)
        print(
            f"\nready in {stack.timings['total']:.2f}s. `harness env --run-dir {run_dir.path}` "
            "prints the AWS variables; Ctrl-C stops the stack.",
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(0.1):
            pass
        print("stopping…", file=sys.stderr, flush=True)
    finally:
        stack.run_dir.clear_state()
        stack.stop()
    return 0


def _up_detached(settings: Settings, argv: list[str]) -> int:
    run_dir = RunDir(settings.run_dir).prepare()
    if run_dir.is_locked():
        state = run_dir.read_state() or {}
        raise HarnessError(
            f"a stack is already running in {run_dir.path} (pid {state.get('pid', 'unknown')})"
        )
    run_dir.clear_state()
    child_args = [a for a in argv if a != "--detach"]
    if "--run-dir" not in child_args:
        child_args += ["--run-dir", str(run_dir.path)]
    log_path = run_dir.logs / "up.log"
    with open(log_path, "wb") as log_file:
        child = subprocess.Popen(
            [sys.executable, "-m", "harness", *child_args],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + DETACH_TIMEOUT
    while time.monotonic() < deadline:
        state = run_dir.read_state()
        if state and state.get("pid") == child.pid:
            print(summary(state))
            print(
                f"\nstack running in the background (pid {child.pid}); stop it with "
                f"`harness down --run-dir {run_dir.path}`",
                file=sys.stderr,
            )
            return 0
        if child.poll() is not None:
            raise HarnessError(_failure_line(log_path, child.returncode))
        time.sleep(0.05)
    child.terminate()
    raise HarnessError(f"the stack was not ready after {DETACH_TIMEOUT:.0f}s; see {log_path}")


def _failure_line(log_path: Path, code: int) -> str:
    lines = [line for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
    last = lines[-1] if lines else f"exit status {code}"
    return last.removeprefix("harness: ")


# down / status / env ------------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A detached stack's parent is gone, so it lingers as a zombie until init reaps it.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(") ")[2][:1] != "Z"
    except OSError:
        return True


def _down(args: argparse.Namespace) -> int:
    run_dir = _run_dir(args)
    FaultStore(run_dir.path).clear()  # faults end with the stack, however it ends
    state = run_dir.read_state()
    if not run_dir.is_locked():
        run_dir.clear_state()
        print(f"no stack is running in {run_dir.path}", file=sys.stderr)
        return 0
    pid = (state or {}).get("pid") or _lock_holder(run_dir)
    if pid is None:
        raise HarnessError(f"a stack holds {run_dir.path} but its pid is unknown")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + args.timeout
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _pid_alive(pid):
        os.killpg(pid, signal.SIGKILL)
        raise HarnessError(f"the stack (pid {pid}) did not stop in {args.timeout:.0f}s; killed it")
    print(f"stopped the stack in {run_dir.path}", file=sys.stderr)
    return 0


def _lock_holder(run_dir: RunDir) -> int | None:
    try:
        return int((run_dir.path / "stack.lock").read_text().strip())
    except (OSError, ValueError):
        return None


def _live_status(run_dir: RunDir) -> dict | None:
    import httpx

    state = run_dir.read_state()
    if not state or not run_dir.is_locked():
        return None
    try:
        return httpx.get(state["control_url"] + "/status", timeout=5, trust_env=False).json()
    except (httpx.HTTPError, KeyError, ValueError):
        return {**state, "components": {"control": {"error": "the stack does not answer"}}}


def _status(args: argparse.Namespace) -> int:
    run_dir = _run_dir(args)
    doc = _live_status(run_dir)
    if doc is None:
        if args.json:
            print(json.dumps({"running": False, "run_dir": str(run_dir.path)}))
        else:
            print(f"no stack is running in {run_dir.path}")
        return EXIT_NOT_RUNNING
    doc = {"running": True, **doc}
    if args.json:
        print(json.dumps(doc, indent=2, sort_keys=True))
        return 0
    print(summary(doc))
    print()
    print(render(doc))
    faults = doc.get("faults") or []
    print(f"\nfaults: {len(faults)} active" + "".join(f"\n  {f['summary']}" for f in faults))
    return 0


def _env(args: argparse.Namespace) -> int:
    run_dir = _run_dir(args)
    state = run_dir.read_state()
    if not state or not run_dir.is_locked():
        raise HarnessError(f"no stack is running in {run_dir.path}; start one with `harness up`")
    variables = dict(state.get("environment", {}))
    if state.get("edge_url"):
        variables["ANIMEHUB_EDGE_URL"] = state["edge_url"]
    for name, value in sorted(variables.items()):
        print(f"export {name}={_shell_quote(value)}")
    return 0


def _shell_quote(value: str) -> str:
    import shlex

    return shlex.quote(value)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    try:
        if args.command == "up":
            settings = _settings(args)
            if args.detach:
                return _up_detached(settings, argv)
            return _up_foreground(settings)
        handlers = {
            "down": _down,
            "status": _status,
            "env": _env,
            "accept": accept.run,
            "fault": fault.run,
        }
        return handlers[args.command](args)
    except HarnessError as exc:
        print(f"harness: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # A bug, not a user mistake: keep the traceback in the log, say where it is.
        logging.getLogger("harness").exception("unexpected error")
        where = "the run directory's logs/harness.log" if args.command == "up" else "no log"
        print(f"harness: internal error: {type(exc).__name__}: {exc} ({where})", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
