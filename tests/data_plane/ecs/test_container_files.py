"""The stack clock reaches a task container: the host's libfaketime, mounted into the API image,
shifts time there; a library that does not is refused, naming why (needs an engine)."""

from __future__ import annotations

import platform

import pytest

from harness.clock import faketime
from harness.data_plane.ecs.container_files import preload_refusal

LABELS = {"org.animehub.role": "probe"}


@pytest.fixture
def library():
    found = faketime.find_library()
    assert found, "libfaketime is missing: scripts/bootstrap.sh installs it"
    return found


def test_the_hosts_libfaketime_shifts_time_in_the_api_image(engine, api_image, library):
    assert preload_refusal(engine, api_image.name, library, LABELS) is None


def test_a_library_that_loads_but_fakes_nothing_is_refused(engine, api_image, library):
    libm = f"/lib/{platform.machine()}-linux-gnu/libm.so.6"  # a real library, not a clock
    refusal = preload_refusal(engine, api_image.name, libm, LABELS)
    assert refusal is not None and refusal.startswith("time is not shifted there")


def test_a_file_the_images_loader_cannot_preload_is_refused_with_its_words(
    engine, api_image, tmp_path
):
    not_a_library = tmp_path / "libnothing.so"
    not_a_library.write_text("not an ELF object\n")
    not_a_library.chmod(0o644)
    refusal = preload_refusal(engine, api_image.name, str(not_a_library), LABELS)
    assert refusal is not None
    assert "ld.so" in refusal and "cannot be preloaded" in refusal
