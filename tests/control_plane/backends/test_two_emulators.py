import textwrap

import pytest

from harness.control_plane.backends.two_emulators import main


@pytest.mark.costly  # two emulator processes and a child pytest
def test_the_runner_gives_pytest_the_topology(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # a bare pytest starts faster
    check = tmp_path / "test_topology.py"
    check.write_text(
        textwrap.dedent(
            """
            import os
            import urllib.request

            def test_both_emulators_answer():
                assert os.environ["ANIMEHUB_BACKEND"] == "endpoint"
                dynamodb = os.environ["ANIMEHUB_ENDPOINT_URLS"].removeprefix("dynamodb=")
                for url in (os.environ["ANIMEHUB_ENDPOINT_URL"], dynamodb):
                    urllib.request.urlopen(url + "/moto-api/data.json").close()
            """
        )
    )
    assert main([str(check), "-q", "--rootdir", str(tmp_path)]) == 0
