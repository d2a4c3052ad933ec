"""The API stands alone: no harness imports, one entry point, a lean non-root image."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

API = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_no_module_of_api_imports_the_harness():
    # api/tests/ may borrow the harness's test kit: it is not shipped (api/.dockerignore).
    sources = sorted(p for p in API.rglob("*.py") if p.relative_to(API).parts[0] != "tests")
    assert len(sources) > 10
    offenders = {
        str(path.relative_to(API)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] == "harness"
        )
        for path in sources
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_loading_the_app_loads_no_harness_module():
    code = (
        "import sys, api.app, api.__main__; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'harness'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert result.stdout.strip() == "[]"


def test_dockerfile_runs_the_one_entry_point_as_a_non_root_user():
    dockerfile = (API / "Dockerfile").read_text()
    instructions = [line for line in dockerfile.splitlines() if line and not line.startswith("#")]
    assert re.match(r"FROM python:3\.\d+-slim$", instructions[0])
    assert instructions[-1] == 'CMD ["python", "-m", "api"]'
    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert "EXPOSE 8080" in instructions


def test_image_requirements_cover_what_the_api_imports():
    requirements = {
        re.split(r"[\[=<>]", line)[0].lower()
        for line in (API / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    }
    distribution = {"jwt": "pyjwt", "botocore": "boto3", "cryptography": "pyjwt"}
    third_party = set()
    for path in API.rglob("*.py"):
        if "tests" in path.relative_to(API).parts:
            continue
        for module in imported_modules(path):
            top = module.split(".")[0]
            if top != "api" and top not in sys.stdlib_module_names:
                third_party.add(distribution.get(top, top))
    assert third_party <= requirements, third_party - requirements
