"""The README's downstream example, copied into a directory outside the repository and run
with this project's venv, as another team would."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.costly  # a child pytest that starts a stack of its own

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- downstream-example:"


def readme_example() -> str:
    text = (ROOT / "README.md").read_text()
    after = text[text.index(MARKER) :]
    return re.search(r"```python\n(.*?)```", after, re.S).group(1)


def test_the_readme_example_runs_green_outside_the_repository(tmp_path_factory, child_pytest_env):
    outside = tmp_path_factory.mktemp("downstream-team")
    assert ROOT not in outside.parents
    (outside / "test_my_team.py").write_text(readme_example())
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "test_my_team.py"],
        cwd=outside,
        env=child_pytest_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
