"""DynamoDB backups and point-in-time recovery on the embedded emulator, as AWS does them where
moto 5.2 is looser (each rule's page is cited in tests/control_plane/test_dynamodb_recovery.py):

- the PITR window is on the stack clock: EarliestRestorableDateTime is when PITR was turned on
  (at most the recovery period, 35 days, back), LatestRestorableDateTime five minutes before
  now (moto freezes both when PITR is turned on);
- RestoreTableToPointInTime restores the table *as it was* at RestoreDateTime (moto copies the
  items as they are now), from a change history kept while PITR is on; it refuses a table
  without PITR (PointInTimeRecoveryUnavailableException) and a time outside the window
  (InvalidRestoreTimeException), which moto accepts;
- DeleteTable of a table with PITR keeps a SYSTEM backup of it, restorable with
  RestoreTableFromBackup (moto keeps nothing); ListBackups lists USER backups unless asked
  for another BackupType (moto lists all).

Only the in-process moto is changed (like clock/emulator_time.py); other emulators are listed
in docs/fidelity.md."""

from __future__ import annotations

import copy
import datetime
import json
from dataclasses import dataclass, field

from moto.core.exceptions import JsonRESTError
from moto.dynamodb.exceptions import (
    ERROR_TYPE_PREFIX,
    PointInTimeRecoveryUnavailable,
    SourceTableNotFoundException,
    TableAlreadyExistsException,
)

from harness.clock import clock

LATEST_LAG_SECONDS = (
    300  # "LatestRestorableDateTime is typically 5 minutes before the current time"
)


class InvalidRestoreTime(JsonRESTError):
    def __init__(self, earliest: float, latest: float) -> None:
        super().__init__(
            ERROR_TYPE_PREFIX + "InvalidRestoreTimeException",
            f"Invalid restore time: RestoreDateTime must be between {_iso(earliest)} "
            f"(EarliestRestorableDateTime) and {_iso(latest)} (LatestRestorableDateTime)",
        )


class MissingRestoreTime(JsonRESTError):
    def __init__(self) -> None:
        super().__init__(
            ERROR_TYPE_PREFIX + "ValidationException",
            "Either RestoreDateTime or UseLatestRestorableTime must be specified",
        )


def _iso(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).isoformat(timespec="seconds")


def _epoch(value) -> float:
    # moto's request parsing has made the JSON number a datetime already
    if isinstance(value, datetime.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
        return aware.timestamp()
    return float(value)


@dataclass
class History:
    """A table's items when PITR was turned on, and every change since, on the stack clock."""

    since: float
    baseline: dict[str, dict]
    changes: list[tuple[float, str, dict | None]] = field(default_factory=list)

    def record(self, key: str, attributes: dict | None) -> None:
        self.changes.append((clock.now(), key, copy.deepcopy(attributes)))

    def items_at(self, when: float) -> list[dict]:
        items = dict(self.baseline)
        for at, key, attributes in self.changes:
            if at > when:  # not `break`: a test may have set the clock back since
                continue
            if attributes is None:
                items.pop(key, None)
            else:
                items[key] = attributes
        return list(items.values())


def _key(item) -> str:
    range_key = item.range_key.to_json() if item.range_key is not None else None
    return json.dumps([item.hash_key.to_json(), range_key], sort_keys=True)


def _history(table) -> History | None:
    return getattr(table, "_harness_pitr", None)


def _pitr(table) -> dict:
    return table.continuous_backups["PointInTimeRecoveryDescription"]


def window(table) -> tuple[float, float]:
    """From when PITR was turned on, but no further back than the recovery period (35 days by
    default), to five minutes before now."""
    now = clock.now()
    period = _pitr(table).get("RecoveryPeriodInDays") or 35
    earliest = max(_history(table).since, now - period * 86400)
    return earliest, max(earliest, now - LATEST_LAG_SECONDS)


def install() -> None:
    """Idempotent; only the in-process moto is touched."""
    import moto.dynamodb.models as models
    import moto.dynamodb.models.table as tables
    import moto.dynamodb.responses as responses

    backend_class, table_class = models.DynamoDBBackend, tables.Table
    if getattr(backend_class, "_harness_recovery", False):
        return
    backend_class._harness_recovery = True
    originals = {
        name: getattr(backend_class, name)
        for name in ("update_item", "update_continuous_backups", "describe_continuous_backups")
    }
    originals["delete_table"] = backend_class.delete_table
    put_item, delete_item = table_class.put_item, table_class.delete_item

    def put_item_recorded(self, *args, **kwargs):
        item = put_item(self, *args, **kwargs)
        if _history(self) is not None:
            _history(self).record(_key(item), item.to_json()["Attributes"])
        return item

    def delete_item_recorded(self, *args, **kwargs):
        item = delete_item(self, *args, **kwargs)
        if item is not None and _history(self) is not None:
            _history(self).record(_key(item), None)
        return item

    def update_item_recorded(self, table_name, key, *args, **kwargs):
        item = originals["update_item"](self, table_name, key, *args, **kwargs)
        table = self.get_table(table_name)
        if item is not None and _history(table) is not None:
            _history(table).record(_key(item), item.to_json()["Attributes"])
        return item

    def update_continuous_backups(self, table_name, spec):
        originals["update_continuous_backups"](self, table_name, spec)
        table = self.get_table(table_name)
        if _pitr(table)["PointInTimeRecoveryStatus"] != "ENABLED":
            table._harness_pitr = None
        elif _history(table) is None:
            # Turning PITR on (again) starts the window now.
            baseline = {
                _key(i): copy.deepcopy(i.to_json()["Attributes"]) for i in table.all_items()
            }
            table._harness_pitr = History(since=clock.now(), baseline=baseline)
            _pitr(table)["EarliestRestorableDateTime"] = clock.now()
        return self.describe_continuous_backups(table_name)

    def describe_continuous_backups(self, table_name):
        answer = originals["describe_continuous_backups"](self, table_name)
        table = self.get_table(table_name)
        if _history(table) is not None:
            earliest, latest = window(table)
            _pitr(table).update(
                EarliestRestorableDateTime=earliest, LatestRestorableDateTime=latest
            )
        return answer

    def delete_table(self, name):
        table = self.get_table(name)
        if _history(table) is not None:
            # "a system backup ... retained for 35 days" of a deleted table with PITR on
            backup = tables.Backup(self.account_id, self.region_name, name, table, type_="SYSTEM")
            self.backups[backup.arn] = backup
        return originals["delete_table"](self, name)

    table_class.put_item, table_class.delete_item = put_item_recorded, delete_item_recorded
    backend_class.update_item = update_item_recorded
    backend_class.update_continuous_backups = update_continuous_backups
    backend_class.describe_continuous_backups = describe_continuous_backups
    backend_class.delete_table = delete_table
    responses.DynamoHandler.restore_table_to_point_in_time = _restore_to_point_in_time
    responses.DynamoHandler.list_backups = _list_backups


def _list_backups(handler):
    """ListBackups lists the BackupType asked for, USER by default (moto lists every type)."""
    from moto.dynamodb.responses import DynamoResult

    wanted = handler.body.get("BackupType") or "USER"
    backups = handler.dynamodb_backend.list_backups(handler.body.get("TableName"))
    summaries = [b.summary for b in backups if wanted == "ALL" or b.type == wanted]
    return DynamoResult({"BackupSummaries": summaries})


def _restore_to_point_in_time(handler):
    from moto.dynamodb.responses import DynamoResult

    body, backend = handler.body, handler.dynamodb_backend
    source_name = body.get("SourceTableName") or (body.get("SourceTableArn") or "").split("/")[-1]
    target_name = body.get("TargetTableName")
    if source_name not in backend.tables:
        raise SourceTableNotFoundException(source_name)
    if target_name in backend.tables:
        raise TableAlreadyExistsException(target_name)
    source = backend.tables[source_name]
    if _history(source) is None:
        raise PointInTimeRecoveryUnavailable(source_name)
    earliest, latest = window(source)
    if body.get("UseLatestRestorableTime"):
        when = latest
    elif body.get("RestoreDateTime") is not None:
        when = _epoch(body["RestoreDateTime"])
        if not earliest <= when <= latest:
            raise InvalidRestoreTime(earliest, latest)
    else:
        raise MissingRestoreTime()
    restored = backend.restore_table_to_point_in_time(target_name, source_name)
    restored.items.clear()  # moto copied the items of now
    for attributes in _history(source).items_at(when):
        restored.put_item(copy.deepcopy(attributes))
    restored.restore_date_time = datetime.datetime.fromtimestamp(when, datetime.UTC).replace(
        tzinfo=None
    )
    return DynamoResult(restored.describe())
