"""`harness up --persist` and `harness snapshot save|load`: the stack's data kept in the run
directory across `down` and `up`.

What fans made lives in the DynamoDB tables and the media bucket; on the way down both are
written under `<run_dir>/data/` (items as DynamoDB JSON, objects as files), and the next
`up --persist` puts them back once the stack is provisioned, through the same AWS APIs.
`harness snapshot save NAME` writes the same under `<run_dir>/snapshots/NAME/` from a running
stack, with the record of the stack it came from; `harness snapshot load NAME` puts it back into
a running stack whose tables and bucket have the same names. Cognito users are not kept: no AWS
API reads a password back; `--seed` signs the sample fans up again.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

log = logging.getLogger("harness.lifecycle.persistence")

DATA_DIR = "data"
BATCH = 25  # BatchWriteItem takes at most 25 requests
RECORD_FILE = "record.json"  # the record of the stack the data came from


def mismatch(record, data: Path) -> str | None:
    """Why data saved from another stack cannot go into this one (its tables or media bucket
    are named differently), or None. Data saved before the record was kept is taken as is."""
    kept = data / RECORD_FILE
    if not kept.is_file():
        return None
    saved = json.loads(kept.read_text())
    names = ("anime_table", "users_table", "media_bucket")
    differing = [n for n in names if saved.get(n) != getattr(record, n)]
    if not differing:
        return None
    return ", ".join(
        f"{n} {saved.get(n)!r} (this stack: {getattr(record, n)!r})" for n in differing
    )


def _tables(record) -> list[str]:
    return [record.anime_table, record.users_table]


def save(endpoints, record, run_dir: Path, final: Path | None = None) -> dict[str, int]:
    """Write every item and media object under `<run_dir>/data/` (or `final`); return counts."""
    # Written aside, then swapped in: a save that fails half-way keeps the last good copy.
    final = Path(final or Path(run_dir) / DATA_DIR)
    data = final.with_name(final.name + ".new")
    shutil.rmtree(data, ignore_errors=True)
    dynamodb, s3 = endpoints.internal_client("dynamodb"), endpoints.internal_client("s3")
    counts = {}
    for table in _tables(record):
        items = []
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            items.extend(page["Items"])
        path = data / "tables" / f"{table}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(items))
        counts[table] = len(items)
    media = data / "media"
    objects = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=record.media_bucket):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=record.media_bucket, Key=obj["Key"])
            target = media / obj["Key"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body["Body"].read())
            (target.parent / f"{target.name}.content-type").write_text(body["ContentType"])
            objects += 1
    counts[record.media_bucket] = objects
    shutil.rmtree(final, ignore_errors=True)
    data.mkdir(parents=True, exist_ok=True)
    (data / RECORD_FILE).write_text(json.dumps(record.to_json(), indent=2))
    data.rename(final)
    log.info("kept the stack's data in %s: %s", final, counts)
    return counts


def restore(endpoints, record, run_dir: Path, data: Path | None = None) -> dict[str, int]:
    """Put back what `save` wrote (under `<run_dir>/data/` or `data`), if anything; return
    counts."""
    data = Path(data or Path(run_dir) / DATA_DIR)
    dynamodb, s3 = endpoints.internal_client("dynamodb"), endpoints.internal_client("s3")
    counts = {}
    for table in _tables(record):
        path = data / "tables" / f"{table}.json"
        items = json.loads(path.read_text()) if path.is_file() else []
        for start in range(0, len(items), BATCH):
            requests = {table: [{"PutRequest": {"Item": i}} for i in items[start : start + BATCH]]}
            while requests:
                requests = dynamodb.batch_write_item(RequestItems=requests)["UnprocessedItems"]
        counts[table] = len(items)
    media = data / "media"
    objects = 0
    for path in sorted(media.rglob("*")) if media.is_dir() else []:
        if path.is_dir() or path.name.endswith(".content-type"):
            continue
        content_type = (path.parent / f"{path.name}.content-type").read_text()
        key = path.relative_to(media).as_posix()
        s3.put_object(
            Bucket=record.media_bucket, Key=key, Body=path.read_bytes(), ContentType=content_type
        )
        objects += 1
    counts[record.media_bucket] = objects
    log.info("restored the stack's data from %s: %s", data, counts)
    return counts
