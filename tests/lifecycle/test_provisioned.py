"""The provisioned-emulator cache (harness/lifecycle/provisioned.py): an entry is found only for
the blueprint, sources, moto and Python it was made with; anything else provisions again."""

from __future__ import annotations

from dataclasses import fields, replace

import moto

from harness.control_plane.blueprint import Blueprint
from harness.control_plane.record import StackRecord
from harness.lifecycle import provisioned


def _record() -> StackRecord:
    values = {f.name: f"{f.name}-value" for f in fields(StackRecord)}
    values["subnet_ids"] = ("subnet-1", "subnet-2")
    return StackRecord(**values)


def test_an_entry_is_found_for_its_blueprint_and_not_for_a_changed_one(tmp_path):
    blueprint = Blueprint()
    assert provisioned.entry(blueprint, tmp_path) is None
    kept = provisioned.keep(blueprint, _record(), None, root=tmp_path)
    assert provisioned.entry(Blueprint(), tmp_path) == kept  # an equal blueprint: same key
    assert provisioned.restore_record(kept) == _record()
    # Any field of the blueprint is part of the key: a changed one is provisioned again.
    for changed in (
        replace(blueprint, desired_count=3),
        replace(blueprint, name="other"),
        replace(blueprint, region="eu-west-1"),
        replace(blueprint, password_min_length=12),
    ):
        assert provisioned.key(changed) != provisioned.key(blueprint)
        assert provisioned.entry(changed, tmp_path) is None


def test_another_moto_version_is_another_key(monkeypatch):
    before = provisioned.key(Blueprint())
    monkeypatch.setattr(moto, "__version__", "0.0.1")
    assert provisioned.key(Blueprint()) != before


def test_the_cache_can_be_turned_off_or_moved(monkeypatch, tmp_path):
    monkeypatch.setenv(provisioned.CACHE_VARIABLE, "off")
    assert provisioned.cache_root() is None
    assert provisioned.entry(Blueprint()) is None
    monkeypatch.setenv(provisioned.CACHE_VARIABLE, str(tmp_path / "elsewhere"))
    assert provisioned.cache_root() == tmp_path / "elsewhere"
