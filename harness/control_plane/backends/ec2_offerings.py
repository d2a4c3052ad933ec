"""moto's EC2 instance type offerings, read per region when first asked instead of at import.

`moto.ec2.models.instance_types` reads every region's offerings file (90 files, 150,000
entries) while it is imported: 46 MiB of the embedded emulator's memory, for a stack in one
region that launches no instance. Imported through `importing_instance_types()`, the module
keeps its `INSTANCE_TYPE_OFFERINGS` (the one object moto's EC2 code indexes, by location type
then region) but each location type's regions are read from moto's own files on first use,
the same entries as moto's own loading gives (`LocationType` added).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

OFFERINGS = "ec2/resources/instance_type_offerings"


class RegionOfferings(Mapping):
    """One location type's offerings by region, each region read from its file once."""

    def __init__(self, location_type: str, files: dict[str, str]) -> None:
        self.location_type = location_type
        self._files = files  # region -> file name
        self._read: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def __getitem__(self, region: str) -> list[dict[str, Any]]:
        if region not in self._files:
            raise KeyError(region)
        with self._lock:
            if region not in self._read:
                self._read[region] = self._load(self._files[region])
            return self._read[region]

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def _load(self, file_name: str) -> list[dict[str, Any]]:
        from moto.utilities.utils import load_resource

        offerings = load_resource(f"{OFFERINGS}/{self.location_type}/{file_name}")
        for offering in offerings:
            offering["LocationType"] = self.location_type
        return offerings


def _files() -> dict[str, dict[str, str]]:
    root = resources.files("moto") / OFFERINGS
    return {
        kind.name: {f.name.split(".")[0]: f.name for f in kind.iterdir()}
        for kind in root.iterdir()
        if kind.is_dir()
    }


@contextlib.contextmanager
def importing_instance_types() -> Iterator[None]:
    """Around the first import of moto's EC2 models: the offerings become lazy."""
    import moto.utilities.utils as moto_utils

    real = moto_utils.load_resource

    def skipping_offerings(resource: str) -> Any:
        return [] if resource.startswith(OFFERINGS + "/") else real(resource)

    moto_utils.load_resource = skipping_offerings
    try:
        yield
    finally:
        moto_utils.load_resource = real
    from moto.ec2.models import instance_types

    instance_types.load_resource = real
    offerings = instance_types.INSTANCE_TYPE_OFFERINGS
    for kind, files in _files().items():
        offerings[kind] = RegionOfferings(kind, files)
