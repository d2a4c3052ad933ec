"""One botocore Loader for moto's service models in this process (#14).

moto reads a service's model (to parse requests and shape errors) through a Loader it makes
afresh for each model, and a fresh Loader lists botocore's whole data directory (about 1,600
stat calls, 35-40 ms) before it reads the one file: half a second of a stack's start for the
dozen services it answers. The data directory cannot change while the process runs, so one
Loader lists it once. moto keeps each model it read already (its callers are cached), so
nothing else is shared between them.
"""

from __future__ import annotations

from functools import cache


def install() -> None:
    import moto.core.utils
    from moto.core import loaders

    if not getattr(moto.core.utils.create_loader, "one_loader", False):
        one = cache(loaders.create_loader)
        one.one_loader = True
        moto.core.utils.create_loader = one
