"""The edge's access log file: every line whole and in the file as soon as it is written."""

from __future__ import annotations

import logging
import re
import threading

from harness.data_plane.edge.access_log import EdgeAccessLog

# What logging.Formatter("%(asctime)s %(message)s") wrote before: readers keep parsing it.
STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ")


def test_a_line_is_in_the_file_as_soon_as_it_is_written(tmp_path):
    log = EdgeAccessLog(tmp_path / "edge-access.log")
    try:
        log.write("127.0.0.1 GET / q=1 200 'Hit from cloudfront' 12 0.3ms id-1")
        # read at once, no wait: `harness logs -f` and tests read right after a request
        lines = (tmp_path / "edge-access.log").read_text().splitlines()
    finally:
        log.close()
    assert len(lines) == 1
    assert STAMP.match(lines[0]), lines[0]
    assert lines[0].endswith(" 127.0.0.1 GET / q=1 200 'Hit from cloudfront' 12 0.3ms id-1")


def test_the_timestamp_is_the_one_logging_wrote(tmp_path):
    formatter = logging.Formatter("%(asctime)s %(message)s")
    log = EdgeAccessLog(tmp_path / "edge-access.log")
    try:
        before = formatter.formatTime(logging.makeLogRecord({}))
        log.write("x")
        after = formatter.formatTime(logging.makeLogRecord({}))
    finally:
        log.close()
    stamp = (tmp_path / "edge-access.log").read_text()[: len(before)]
    assert before <= stamp <= after


def test_lines_from_both_listeners_threads_never_interleave(tmp_path):
    log = EdgeAccessLog(tmp_path / "edge-access.log")
    message = "x" * 2000

    def write(n: int) -> None:
        for _ in range(n):
            log.write(message)

    threads = [threading.Thread(target=write, args=(500,)) for _ in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        log.close()
    lines = (tmp_path / "edge-access.log").read_text().splitlines()
    assert len(lines) == 1000
    assert all(STAMP.match(line) and line.endswith(" " + message) for line in lines)


def test_appends_to_the_file_a_restarted_edge_left(tmp_path):
    path = tmp_path / "edge-access.log"
    path.write_text("earlier line\n")
    log = EdgeAccessLog(path)
    log.write("later")
    log.close()
    log.write("after close")  # a straggler after stop is dropped, not written to a reused fd
    assert path.read_text().splitlines()[0] == "earlier line"
    assert len(path.read_text().splitlines()) == 2
