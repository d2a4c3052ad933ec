"""The provisioned embedded emulator, kept once per blueprint and restored on the next start
instead of being provisioned again (issue #14: provisioning was half of `harness up`).

An entry is keyed by everything that decides what provisioning makes: the blueprint (its every
field), the source of the modules that provision and shape the emulator's state, moto's version
and Python's. A change to any of them is another key, so a stale entry is never restored: it is
provisioned from scratch and kept under the new key. An entry that cannot be restored (unreadable,
another moto) is provisioned over and replaced.

Where: `$ANIMEHUB_SNAPSHOT_CACHE`, else `$XDG_CACHE_HOME/animehub/provisioned` (~/.cache);
`ANIMEHUB_SNAPSHOT_CACHE=off` provisions every start from scratch.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import shutil
import sys
import tempfile
import time
from functools import cache
from pathlib import Path

from harness.control_plane.backends import embedded_snapshot
from harness.control_plane.blueprint import Blueprint
from harness.control_plane.record import StackRecord

log = logging.getLogger("harness.lifecycle.provisioned")

CACHE_VARIABLE = embedded_snapshot.CACHE_VARIABLE
cache_root = embedded_snapshot.cache_root
EMULATOR_FILE = "emulator.pickle"
RECORD_FILE = "record.json"
KEPT_ENTRIES = 8

_HARNESS = Path(__file__).resolve().parents[1]
# What provisioning makes, and how the emulator holds it, is written in these.
_SHAPING_SOURCES = (
    "control_plane/provision",
    "control_plane/blueprint.py",
    "control_plane/record.py",
    "control_plane/backends/dynamodb_recovery.py",
    "control_plane/backends/embedded_snapshot.py",
    "clock/emulator_time.py",
    "data_plane/api_front/cloudfront_functions.py",
)


@cache
def _source_digest() -> str:
    digest = hashlib.sha256()
    for name in _SHAPING_SOURCES:
        where = _HARNESS / name
        for path in sorted(where.rglob("*.py")) if where.is_dir() else [where]:
            digest.update(path.relative_to(_HARNESS).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def key(blueprint: Blueprint) -> str:
    import moto

    parts = (repr(blueprint), _source_digest(), moto.__version__, sys.version)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def entry(blueprint: Blueprint, root: Path | None = None) -> Path | None:
    """The kept entry for `blueprint`, if there is one (and the cache is on)."""
    root = root or cache_root()
    if root is None:
        return None
    where = root / key(blueprint)
    return where if (where / EMULATOR_FILE).is_file() and (where / RECORD_FILE).is_file() else None


def restore(where: Path, cloudfront_functions) -> StackRecord:
    """Put the kept emulator state back (the emulator must be pristine); its record."""
    data, record = (where / EMULATOR_FILE).read_bytes(), restore_record(where)  # both, or none
    embedded_snapshot.restore(data, cloudfront_functions)
    return record


def restore_record(where: Path) -> StackRecord:
    return StackRecord.from_json(_read_json(where / RECORD_FILE))


def keep(blueprint: Blueprint, record: StackRecord, cloudfront_functions, root=None) -> Path:
    """Write the emulator as provisioning left it under the blueprint's key (atomically: two
    stacks starting at once each write aside and the first rename wins)."""
    root = root or cache_root()
    root.mkdir(parents=True, exist_ok=True)
    final = root / key(blueprint)
    aside = Path(tempfile.mkdtemp(prefix=".new-", dir=root))
    try:
        (aside / EMULATOR_FILE).write_bytes(embedded_snapshot.capture(cloudfront_functions))
        record.save(aside / RECORD_FILE)
        shutil.rmtree(final, ignore_errors=True)  # an unrestorable entry under this key
        os.replace(aside, final)
        _prune(root)
    except (OSError, pickle.PicklingError, TypeError) as exc:
        # Only a start to come is slower: it provisions from scratch again.
        log.warning("could not keep the provisioned emulator in %s: %s", final, exc)
        shutil.rmtree(aside, ignore_errors=True)
    return final


def provision_or_restore(stack, provision) -> StackRecord:
    """A Stack's record: the blueprint provisioned (and kept, on the embedded backend), or the
    embedded emulator restored as provisioning left it for this same blueprint before."""
    functions = stack.api_front.cloudfront_functions
    embedded = stack.settings.backend == "embedded" and embedded_snapshot.is_pristine()
    kept = entry(stack.blueprint) if embedded else None
    if kept is not None:
        try:
            return stack._step("restoring the provisioned stack", lambda: restore(kept, functions))
        except (embedded_snapshot.IncompatibleSnapshot, OSError) as exc:
            # Nothing was restored (files are read first): provision as without the entry.
            log.warning("provisioning from scratch: %s", exc)
    record = stack._step(
        "provisioning the stack", lambda: provision(stack.api_front.endpoints, stack.blueprint)
    )
    if embedded and cache_root() is not None:
        stack._step(
            "keeping the provisioned stack", lambda: keep(stack.blueprint, record, functions)
        )
    return record


def _prune(root: Path) -> None:
    """Entries of older sources or blueprints are never read again: keep the newest few, and
    any written in the last hour (another checkout of the harness may be starting from it)."""
    entries = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    recent = time.time() - 3600
    for old in sorted(entries, key=lambda p: p.stat().st_mtime, reverse=True)[KEPT_ENTRIES:]:
        if old.stat().st_mtime < recent:
            shutil.rmtree(old, ignore_errors=True)


def _read_json(path: Path) -> dict:
    import json

    return json.loads(path.read_text())
