"""A stack started elsewhere (`harness up --detach`), seen through its state file.

It offers what tests read from an in-process Stack (`harness.types.StackView`): edge_url,
endpoints, record, push_sink, run_dir, describe(). The in-process parts (agent, alb, edge) and the
blueprint are None: a test that needs to reach into them skips.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.control_plane.endpoints import EndpointMap
from harness.control_plane.record import StackRecord
from harness.data_plane.mail_sink import MailSinkClient
from harness.data_plane.push_sink import PushSinkClient
from harness.errors import ConfigError
from harness.lifecycle.run_dir import STATE_FILE, RunDir
from harness.lifecycle.status_client import live_status
from harness.types import StatusDocument


def endpoints_from_state(state: dict) -> EndpointMap:
    env = state.get("environment") or {}
    default = env.get("AWS_ENDPOINT_URL")
    per_service = {
        service: url
        for service, url in (state.get("endpoints") or {}).items()
        if url and url != "aws" and url != default
    }
    real = "AWS_ACCESS_KEY_ID" not in env
    return EndpointMap(
        default=default,
        region=state.get("region") or env.get("AWS_REGION") or "us-east-1",
        per_service=per_service,
        access_key_id=env.get("AWS_ACCESS_KEY_ID", "testing"),
        secret_access_key=env.get("AWS_SECRET_ACCESS_KEY", "testing"),
        uses_real_credentials=real,
    )


class AttachedStack:
    """A `StackView` (harness.types) read from a state file."""

    attached = True
    agent = None
    alb = None
    edge = None
    blueprint = None

    def __init__(self, state: dict, state_path: Path) -> None:
        missing = [k for k in ("edge_url", "resources", "environment") if not state.get(k)]
        if missing:
            raise ConfigError(str(state_path), f"lacks {', '.join(missing)}")
        self.state = state
        self.state_path = state_path
        self.edge_url: str = state["edge_url"]
        self.endpoints = endpoints_from_state(state)
        self.record = StackRecord.from_json(state["resources"])
        sink = state.get("push_sink_url")
        self.push_sink = PushSinkClient(sink) if sink else None
        mail = state.get("mail_sink_url")
        self.mail_sink = MailSinkClient(mail) if mail else None
        self.run_dir = RunDir(Path(state.get("run_dir") or state_path.parent))
        self.backend_name = state.get("backend", "unknown")

    @classmethod
    def load(cls, path: str | Path, setting: str = "--animehub-stack-state") -> AttachedStack:
        """From `<run-dir>/state.json` or the run directory itself."""
        path = Path(path).expanduser()
        if path.is_dir():
            path = path / STATE_FILE
        try:
            state = json.loads(path.read_text())
        except FileNotFoundError:
            raise ConfigError(
                setting, f"{path} does not exist; start one with `harness up --detach`"
            ) from None
        except json.JSONDecodeError as exc:
            raise ConfigError(setting, f"{path} is not JSON ({exc})") from None
        return cls(state, path)

    def describe(self) -> StatusDocument:
        return live_status(self.state)

    def stop(self) -> None:
        """Attached stacks belong to whoever started them."""
