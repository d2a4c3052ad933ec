"""The API image: built offline from host wheels, non-root, the entry point the process runtime
starts too, tagged with the version and the source revision."""

from __future__ import annotations

import re
from pathlib import Path

from harness import __version__
from harness.containers.api_image import API_DIR, REPOSITORY, _left_out, source_revision
from harness.data_plane.ecs.process_runtime import DEFAULT_COMMANDS

DOCKERFILE = (API_DIR / "Dockerfile").read_text()


def test_packages_come_from_the_host_wheels_only():
    assert "--no-index" in DOCKERFILE and "--find-links /wheels" in DOCKERFILE


def test_the_entry_point_is_the_process_runtimes_command():
    cmd = re.search(r'^CMD \["python", "-m", "api"\]$', DOCKERFILE, re.M)
    assert cmd is not None
    assert tuple(DEFAULT_COMMANDS[REPOSITORY][1:]) == ("-m", "api")


def test_tests_caches_and_the_dockerfile_stay_out_of_the_image():
    assert _left_out(Path("tests/test_app.py"))
    assert _left_out(Path("routes/__pycache__/x.cpython-311.pyc"))
    assert _left_out(Path("Dockerfile"))
    assert not _left_out(Path("routes/anime.py"))
    assert not _left_out(Path("requirements.txt"))


def test_an_uncommitted_change_to_api_gets_its_own_revision(tmp_path):
    (tmp_path / "app.py").write_text("one")
    first = source_revision(tmp_path, repo_root=tmp_path)  # not a git repository
    assert first.startswith("nocommit-")
    (tmp_path / "app.py").write_text("two")
    assert source_revision(tmp_path, repo_root=tmp_path) != first


def test_the_built_image_runs_offline_as_the_non_root_user(engine, api_image):
    assert api_image.name == f"{REPOSITORY}:{__version__}"
    assert api_image.source_tag.startswith(f"{api_image.name}-")
    image = engine.images.get(api_image.source_tag)
    assert image.id == engine.images.get(api_image.name).id
    assert image.attrs["Config"]["User"] == "10001:10001"
    assert image.attrs["Config"]["Cmd"] == ["python", "-m", "api"]
    output = engine.containers.run(
        api_image.name,
        ["python", "-c", "import os, boto3, jwt, starlette, uvicorn, api; print(os.getuid())"],
        network_mode="none",
        remove=True,
    )
    assert output.decode().strip() == "10001"
