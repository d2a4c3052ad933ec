"""Two emulator processes on loopback: a moto server standing in for LocalStack (every service
but DynamoDB) and dynalite, an independent DynamoDB implementation (node, from the npm registry),
standing in for DynamoDB Local; and the settings that point the endpoint backend at them.

    python -m harness.control_plane.backends.two_emulators [pytest arguments, default: scenarios]

starts both, runs pytest with ANIMEHUB_BACKEND=endpoint, stops both and exits with pytest's code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from harness.control_plane.backends.dynalite_process import DynaliteProcess
from harness.control_plane.backends.emulator_process import running_together
from harness.control_plane.backends.moto_process import MotoProcess


@dataclass(frozen=True)
class TwoEmulators:
    localstack_url: str  # everything but DynamoDB
    dynamodb_url: str

    def environment(self) -> dict[str, str]:
        return {
            "ANIMEHUB_BACKEND": "endpoint",
            "ANIMEHUB_ENDPOINT_URL": self.localstack_url,
            "ANIMEHUB_ENDPOINT_URLS": f"dynamodb={self.dynamodb_url}",
        }


@contextmanager
def two_emulators() -> Iterator[TwoEmulators]:
    localstack = MotoProcess("localstack stand-in")
    dynamodb = DynaliteProcess("dynamodb-local stand-in (dynalite)")
    with running_together(localstack, dynamodb):
        yield TwoEmulators(localstack.url, dynamodb.url)


def main(argv: list[str]) -> int:
    with two_emulators() as emulators:
        command = [sys.executable, "-m", "pytest", *(argv or ["scenarios"])]
        env = {k: v for k, v in os.environ.items() if k != "ANIMEHUB_ENDPOINT_FILE"}
        return subprocess.call(command, env=env | emulators.environment())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
