"""dynalite, an independent DynamoDB implementation from the npm registry (not moto), in its own
node process: the endpoint backend's CI pass serves DynamoDB from it. scripts/bootstrap.sh
installs it into emulators/node_modules."""

from __future__ import annotations

import shutil
from pathlib import Path

from harness.control_plane.backends.emulator_process import EmulatorProcess
from harness.errors import HarnessError

EMULATORS = Path(__file__).resolve().parents[3] / "emulators"
LAUNCHER = EMULATORS / "dynalite_server.js"
MODULES = EMULATORS / "node_modules"


def node_command(package: str, launcher: Path) -> list[str]:
    """`node <launcher>` for an emulator `package` from emulators/node_modules."""
    node = shutil.which("node")
    if node is None:
        raise HarnessError(f"{package} needs node on the PATH (apt-get install nodejs)")
    if not (MODULES / package / "package.json").is_file():
        raise HarnessError(f"{package} is not installed in {MODULES}; run scripts/bootstrap.sh")
    return [node, str(launcher)]


def dynalite_command() -> list[str]:
    return node_command("dynalite", LAUNCHER)


class DynaliteProcess(EmulatorProcess):
    def __init__(self, name: str = "dynalite", log_path: Path | None = None) -> None:
        super().__init__(
            name, dynalite_command(), env={"NODE_PATH": str(MODULES)}, log_path=log_path
        )
