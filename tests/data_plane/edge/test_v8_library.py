"""V8 loaded ahead by the edge's process, its load-only pages given back: functions still run."""

import json
import subprocess
import sys

# A fresh interpreter: V8 is loaded once per process.
SCRIPT = """
import json
from py_mini_racer import MiniRacer
from harness.data_plane.edge import v8_library
given = v8_library.load()
again = v8_library.load()
runs = MiniRacer().eval("[1, 2, 3].map(function (x) { return x * 2; }).join(',')")
print(json.dumps({"given": given, "again": again, "runs": runs}))
"""


def test_v8_runs_after_its_load_only_pages_are_given_back():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["given"] > 1024 * 1024  # the library's first segment was found and paged out
    assert found["again"] > 0  # idempotent: loading again initialises nothing twice
    assert found["runs"] == "2,4,6"
