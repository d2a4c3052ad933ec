"""`python -m api`: the one way the API runs, in the container and under the harness."""

from __future__ import annotations

import os
import sys

import uvicorn

from api import jsonlog
from api.app import create_app
from api.settings import Settings, SettingsError


def main() -> int:
    jsonlog.configure()
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as exc:
        sys.stderr.write(f"api: {exc}\n")
        return 2
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        workers=1,
        reload=False,
        lifespan="on",
        access_log=False,
        log_config=None,
        server_header=False,
        # Longer than the ALB's 60 s idle timeout, so the ALB closes idle connections first.
        timeout_keep_alive=65,
        timeout_graceful_shutdown=10,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
