"""`harness up | down | status | env`: the stack from a shell."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from harness import __version__
from harness.cli_commands import down, logs, outputs, stacks, up_data
from harness.cli_commands.outputs import stack_outputs
from harness.errors import HarnessError
from harness.lifecycle import registry
from harness.lifecycle.preflight import check_fixed_ports
from harness.lifecycle.run_dir import RunDir, already_running
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
    parser.add_argument("--version", action="version", version=f"harness {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = commands.add_parser("up", help="start the stack (foreground until Ctrl-C)")
    _run_dir_flag(up)
    _settings_flags(up)
    up.add_argument("--detach", action="store_true", help="return once ready; stop with `down`")
    up_data.add_flags(up)

    status = commands.add_parser("status", help="health of each component")
    _run_dir_flag(status)
    status.add_argument("--json", action="store_true", help="one JSON document")

    env = commands.add_parser(
        "env", help="export lines: the AWS endpoint variables and the stack's ids (UserPoolId, ...)"
    )
    _run_dir_flag(env)
    for command in (down, outputs, logs, stacks):
        command.add_to(commands, _run_dir_flag)
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
    settings = _settings(args)
    return RunDir(settings.run_dir, settings.name_of("run_dir"))


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


def _up_foreground(settings: Settings, args: argparse.Namespace) -> int:
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
        doc = {**stack.describe(), **up_data.after_start(stack, args)}
        stack.run_dir.write_state(doc)
        registry.register(doc)
        print(summary(doc) + up_data.seed_lines(doc), flush=True)
        print(
            f"\nready in {stack.timings['total']:.2f}s. In another shell:\n"
            f"{_next_steps(run_dir)}\nCtrl-C stops the stack.",
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(0.1):
            pass
        print("stopping…", file=sys.stderr, flush=True)
    finally:
        registry.unregister(os.getpid())
        up_data.before_stop(stack, args)
        stack.run_dir.clear_state()
        stack.stop()
    return 0


def _self_command() -> str:
    """How to run this harness again from any directory, as a shell would need it typed."""
    script = Path(sys.executable).parent / "harness"
    if script.is_file():
        return shlex.quote(str(script))
    return f"{shlex.quote(sys.executable)} -m harness"


def _next_steps(run_dir: RunDir) -> str:
    harness, where = _self_command(), shlex.quote(str(run_dir.path))
    return (
        f'  eval "$({harness} env --run-dir {where})"   # AWS variables, ids (UserPoolId, ...)\n'
        f"  {harness} status --run-dir {where}\n"
        f"  {harness} logs -f --run-dir {where}"
    )


def _up_detached(settings: Settings, argv: list[str]) -> int:
    run_dir = RunDir(settings.run_dir, settings.name_of("run_dir")).prepare()
    if run_dir.is_locked():
        state = run_dir.read_state() or {}
        raise already_running(run_dir.path, state.get("pid", "unknown"))
    check_fixed_ports(settings)
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
            print(summary(state) + up_data.seed_lines(state))
            print(
                f"\nstack running in the background (pid {child.pid}). Next:\n"
                f"{_next_steps(run_dir)}\n"
                f"  {_self_command()} down --run-dir {shlex.quote(str(run_dir.path))}",
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
    return 0


def _env(args: argparse.Namespace) -> int:
    state = _run_dir(args).running_state()
    variables = dict(state.get("environment", {}))
    if state.get("edge_url"):
        variables["ANIMEHUB_EDGE_URL"] = state["edge_url"]
    variables.update(stack_outputs(state))
    for name, value in sorted(variables.items()):
        print(f"export {name}={shlex.quote(value)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = logs.joined_values(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        if args.command == "up":
            settings = _settings(args)
            up_data.check(args, settings.backend)
            if args.detach:
                return _up_detached(settings, argv)
            return _up_foreground(settings, args)
        if hasattr(args, "run"):
            return args.run(args)
        return {"status": _status, "env": _env}[args.command](args)
    except HarnessError as exc:
        print(f"harness: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `harness logs | head`: the reader has gone, which is no error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        # A bug, not a user mistake: keep the traceback in the log, say where it is.
        logging.getLogger("harness").exception("unexpected error")
        where = "the run directory's logs/harness.log" if args.command == "up" else "no log"
        print(f"harness: internal error: {type(exc).__name__}: {exc} ({where})", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
