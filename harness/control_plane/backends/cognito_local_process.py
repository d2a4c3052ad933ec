"""cognito-local, an independent Cognito user pools implementation from the npm registry (not
moto), in its own node process. Its tokens' issuer is its own URL, not AWS's form, so a stack on
it shows that the API takes the issuer from the pool's OpenID configuration (issue 11).
scripts/bootstrap.sh installs it into emulators/node_modules."""

from __future__ import annotations

from pathlib import Path

from harness.control_plane.backends.dynalite_process import EMULATORS, MODULES, node_command
from harness.control_plane.backends.emulator_process import EmulatorProcess

LAUNCHER = EMULATORS / "cognito_local_server.js"


class CognitoLocalProcess(EmulatorProcess):
    def __init__(self, name: str = "cognito-local", log_path: Path | None = None) -> None:
        super().__init__(
            name,
            node_command("cognito-local", LAUNCHER),
            env={"NODE_PATH": str(MODULES)},
            log_path=log_path,
        )
