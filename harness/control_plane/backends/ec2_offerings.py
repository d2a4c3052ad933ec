"""moto's EC2 instance types and their offerings, read when first asked instead of at import.

`moto.ec2.models.instance_types` reads every region's offerings file (90 files, 150,000
entries) and the description of every instance type (1,400) while it is imported: 46 MiB and
9 MiB of the embedded emulator's memory, for a stack that launches no instance. Imported
through `importing_instance_types()`, the module keeps its `INSTANCE_TYPE_OFFERINGS` (the one
object moto's EC2 code indexes, by location type then region) but each location type's regions
are read from moto's own files on first use, the same entries as moto's own loading gives
(`LocationType` added); its `INSTANCE_TYPES`, `INSTANCE_FAMILIES` and the instance types
`DescribeInstanceTypes` lists are read from moto's own file on first use too.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping, Sequence
from importlib import resources
from typing import Any

OFFERINGS = "ec2/resources/instance_type_offerings"
TYPES = "ec2/resources/instance_types.json"


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


class InstanceTypes(Mapping):
    """moto's `INSTANCE_TYPES` (name -> description), read from its file on first use."""

    def __init__(self) -> None:
        self._read: dict[str, Any] | None = None
        self._lock = threading.Lock()
        self._described: list | None = None

    @property
    def data(self) -> dict[str, Any]:
        with self._lock:
            if self._read is None:
                from moto.utilities.utils import load_resource

                self._read = load_resource(TYPES)
            return self._read

    def __getitem__(self, name: str) -> Any:
        return self.data[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def families(self) -> list[str]:
        return list({name.split(".")[0] for name in self.data})

    def described(self, make) -> list:
        """moto's `InstanceTypeBackend.instance_types`: one `make(name)` per type, made once."""
        if self._described is None:
            self._described = list(map(make, self))
        return self._described


class Families(Sequence):
    """moto's `INSTANCE_FAMILIES`, from the instance types when first asked."""

    def __init__(self, types: InstanceTypes) -> None:
        self._types = types

    def __getitem__(self, index):
        return self._types.families()[index]

    def __len__(self) -> int:
        return len(self._types.families())

    def __contains__(self, family: object) -> bool:
        return family in self._types.families()


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
        if resource == TYPES:
            return {}
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
    types = InstanceTypes()
    instance_types.INSTANCE_TYPES = types  # InstanceType(name) reads the module's global
    instance_types.INSTANCE_FAMILIES = Families(types)
    instance_types.InstanceTypeBackend.instance_types = property(
        lambda _backend: types.described(instance_types.InstanceType)
    )
