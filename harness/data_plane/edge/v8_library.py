"""V8 (mini-racer's library) loaded while the edge's process starts, not on the first viewer
request a CloudFront Function runs on; then the pages only its loading read are given back.

The library (74 MB) is linked to bind every symbol at load: loading it reads its symbol and
relocation tables, ~20 MiB of its first, read-only segment, which nothing reads afterwards.
They would stay resident, counted in the edge's RSS, until the kernel needed the memory.
MADV_PAGEOUT reclaims them now: clean pages of a file, so nothing is lost; a page read again
(a symbol looked up, a constant) is read back from the file.
"""

from __future__ import annotations

import ctypes
import logging

log = logging.getLogger("harness.data_plane.edge")

LIBRARY = "/libmini_racer.so"
MADV_PAGEOUT = 21  # Linux 5.4


def load() -> int:
    """Initialise V8 (idempotent); the bytes of the library's load-only pages given back."""
    from py_mini_racer import init_mini_racer

    init_mini_racer(ignore_duplicate_init=True)
    return _page_out_first_segment()


def _page_out_first_segment() -> int:
    try:
        madvise = ctypes.CDLL(None, use_errno=True).madvise
        maps = open("/proc/self/maps")  # noqa: SIM115
    except (OSError, AttributeError):  # not Linux: nothing to give back this way
        return 0
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    given = 0
    with maps:
        for line in maps:
            fields = line.split()
            # The segment at offset 0, read-only and never written (not the relocated one).
            if (
                len(fields) < 6
                or not fields[5].endswith(LIBRARY)
                or fields[1:3] != ["r--p", "00000000"]
            ):
                continue
            start, end = (int(edge, 16) for edge in fields[0].split("-"))
            if madvise(start, end - start, MADV_PAGEOUT) == 0:
                given += end - start
            else:
                log.info("edge: V8's load-only pages kept (madvise: errno %d)", ctypes.get_errno())
    return given
