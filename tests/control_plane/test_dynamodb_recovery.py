"""DynamoDB backup and point-in-time recovery on the embedded emulator, as AWS documents them:

- [PointInTimeRecovery_Howitworks] the recovery period is 1 to 35 days (35 by default); "you
  can restore to any point in time between EarliestRestorableDateTime and
  LatestRestorableDateTime. LatestRestorableDateTime is typically five minutes before the
  current time"; "When you delete a table that has
  point-in-time recovery enabled, DynamoDB automatically creates a backup snapshot called a
  system backup".
- [API_ListBackups] BackupType USER is "the default setting if no other backup types are
  specified"; SYSTEM, AWS_BACKUP and ALL list the others.
- [API_RestoreTableToPointInTime] errors PointInTimeRecoveryUnavailableException ("Point in
  time recovery has not yet been enabled for this source table"), InvalidRestoreTimeException
  ("RestoreDateTime must be between EarliestRestorableDateTime and LatestRestorableDateTime"),
  TableAlreadyExistsException ("A target table with the specified name already exists").
- [pointintimerecovery_restores] "DynamoDB restores your table data to the state based on the
  selected date and time".
"""

import datetime
import uuid

import pytest
from botocore.exceptions import ClientError

from harness.clock import clock
from harness.control_plane.backends import dynamodb_recovery


@pytest.fixture
def dynamodb(endpoints, tmp_path):
    dynamodb_recovery.install()
    clock.use(tmp_path / "clock")
    yield endpoints.client("dynamodb")
    clock.release(tmp_path / "clock")


def new_table(dynamodb, *, pitr: bool) -> str:
    name = f"recovery-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    if pitr:
        dynamodb.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
    return name


def put(dynamodb, table: str, key: str, title: str) -> None:
    dynamodb.put_item(TableName=table, Item={"id": {"S": key}, "title": {"S": title}})


def titles(dynamodb, table: str) -> dict[str, str]:
    items = dynamodb.scan(TableName=table)["Items"]
    return {i["id"]["S"]: i["title"]["S"] for i in items}


def window(dynamodb, table: str) -> tuple[datetime.datetime, datetime.datetime]:
    described = dynamodb.describe_continuous_backups(TableName=table)
    pitr = described["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    return pitr["EarliestRestorableDateTime"], pitr["LatestRestorableDateTime"]


def test_the_window_runs_from_enabling_to_five_minutes_before_now_on_the_stack_clock(dynamodb):
    table = new_table(dynamodb, pitr=True)
    enabled = clock.now()
    clock.advance(3600)
    earliest, latest = window(dynamodb, table)
    assert abs(earliest.timestamp() - enabled) < 5
    assert abs(latest.timestamp() - (clock.now() - 300)) < 5


def test_the_window_reaches_back_no_further_than_the_recovery_period(dynamodb):
    table = new_table(dynamodb, pitr=True)
    clock.advance(40 * 86400)
    earliest, _ = window(dynamodb, table)
    assert abs(earliest.timestamp() - (clock.now() - 35 * 86400)) < 5


def test_a_restore_brings_the_table_back_as_it_was_at_the_time_asked(dynamodb):
    table = new_table(dynamodb, pitr=True)
    put(dynamodb, table, "1", "Mushishi")
    put(dynamodb, table, "2", "Planetes")
    clock.advance(600)
    before_the_mistake = clock.now()
    clock.advance(60)
    dynamodb.delete_item(TableName=table, Key={"id": {"S": "1"}})
    dynamodb.update_item(
        TableName=table,
        Key={"id": {"S": "2"}},
        UpdateExpression="SET title = :t",
        ExpressionAttributeValues={":t": {"S": "overwritten"}},
    )
    put(dynamodb, table, "3", "shared after")
    clock.advance(600)

    target = f"{table}-restored"
    answer = dynamodb.restore_table_to_point_in_time(
        SourceTableName=table,
        TargetTableName=target,
        RestoreDateTime=datetime.datetime.fromtimestamp(before_the_mistake, datetime.UTC),
    )

    assert titles(dynamodb, target) == {"1": "Mushishi", "2": "Planetes"}
    assert titles(dynamodb, table) == {"2": "overwritten", "3": "shared after"}
    summary = answer["TableDescription"]["RestoreSummary"]
    assert abs(summary["RestoreDateTime"].timestamp() - before_the_mistake) < 1


def test_the_latest_restorable_time_is_five_minutes_back(dynamodb):
    table = new_table(dynamodb, pitr=True)
    put(dynamodb, table, "1", "kept")
    clock.advance(600)
    put(dynamodb, table, "2", "too recent for the latest restorable time")

    target = f"{table}-latest"
    dynamodb.restore_table_to_point_in_time(
        SourceTableName=table, TargetTableName=target, UseLatestRestorableTime=True
    )

    assert titles(dynamodb, target) == {"1": "kept"}


def test_a_table_without_pitr_cannot_be_restored_to_a_point_in_time(dynamodb):
    table = new_table(dynamodb, pitr=False)
    with pytest.raises(ClientError, match="PointInTimeRecoveryUnavailableException"):
        dynamodb.restore_table_to_point_in_time(
            SourceTableName=table, TargetTableName=f"{table}-r", UseLatestRestorableTime=True
        )
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        dynamodb.describe_table(TableName=f"{table}-r")


@pytest.mark.parametrize("offset", [-60, +3600], ids=["before-earliest", "after-latest"])
def test_a_time_outside_the_window_is_refused(dynamodb, offset):
    table = new_table(dynamodb, pitr=True)
    clock.advance(1800)
    earliest, latest = window(dynamodb, table)
    when = earliest if offset < 0 else latest
    with pytest.raises(ClientError, match="InvalidRestoreTimeException"):
        dynamodb.restore_table_to_point_in_time(
            SourceTableName=table,
            TargetTableName=f"{table}-r",
            RestoreDateTime=when + datetime.timedelta(seconds=offset),
        )


def test_an_existing_target_table_is_refused(dynamodb):
    table = new_table(dynamodb, pitr=True)
    other = new_table(dynamodb, pitr=False)
    with pytest.raises(ClientError, match="TableAlreadyExistsException"):
        dynamodb.restore_table_to_point_in_time(
            SourceTableName=table, TargetTableName=other, UseLatestRestorableTime=True
        )


def test_deleting_a_table_with_pitr_keeps_a_system_backup(dynamodb):
    table = new_table(dynamodb, pitr=True)
    put(dynamodb, table, "1", "Mushishi")
    dynamodb.delete_table(TableName=table)

    assert dynamodb.list_backups(TableName=table)["BackupSummaries"] == []  # USER by default
    backups = dynamodb.list_backups(TableName=table, BackupType="SYSTEM")["BackupSummaries"]
    assert [b["BackupType"] for b in backups] == ["SYSTEM"]
    dynamodb.restore_table_from_backup(TargetTableName=table, BackupArn=backups[0]["BackupArn"])
    assert titles(dynamodb, table) == {"1": "Mushishi"}


def test_deleting_a_table_without_pitr_keeps_nothing(dynamodb):
    table = new_table(dynamodb, pitr=False)
    dynamodb.delete_table(TableName=table)
    assert dynamodb.list_backups(TableName=table, BackupType="ALL")["BackupSummaries"] == []
