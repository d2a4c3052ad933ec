"""Disaster recovery, as the runbook in docs/deployment.md does it: the anime table is lost (or
its items wiped), `harness restore` restores it into a new table from a backup or to a point in
time on the stack clock, turns PITR on for it, lets the task role reach it and rolls the service
onto a task definition revision naming it; the fans' shares are seen again through the edge.

AWS rules (DynamoDB developer guide and API reference):
- [pointintimerecovery_restores] a restore always creates a new table, with the data "based on
  the selected date and time"; PITR and IAM policies must be set up again on it;
- [PointInTimeRecovery_Howitworks] LatestRestorableDateTime is typically five minutes before the
  current time, hence the clock advances below;
- [API_RestoreTableToPointInTime] PointInTimeRecoveryUnavailableException for a table without
  PITR (the negative control).
"""

import uuid

import httpx
import pytest
from playwright.sync_api import expect
from steps import list_titles, unique

from harness.errors import HarnessError
from harness.pipelines.table_restore import RestorePoint, restore_table
from harness.plumbing.waiting import NotYet, wait_until

pytestmark = pytest.mark.breaks_stack  # the service ends on another table until put back

ANSWER_TIMEOUT = 60.0  # only catches a hang: IAM changes reach the gate within a second


def share(api: httpx.Client, title: str) -> str:
    answer = api.post("/api/anime", json={"title": title, "genres": ["drama"], "year": 2004})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def shown(edge: httpx.Client, anime_id: str) -> dict | None:
    """The anime as the API answers it through the edge, or None: its JSON 404 once the item is
    gone, or an error while the table is (IAM changes reach the tasks eventually, as on AWS)."""
    answer = edge.get(f"/api/anime/{anime_id}")
    assert answer.headers.get("content-type", "").startswith("application/json"), answer.text
    return answer.json() if answer.status_code == 200 else None


def wait_until_shown(edge: httpx.Client, anime_id: str, wanted: bool) -> dict | None:
    seen = []

    def check() -> bool:
        seen.append(shown(edge, anime_id))
        if (seen[-1] is not None) != wanted:
            raise NotYet(f"/api/anime/{anime_id} is {'not ' if wanted else ''}shown")
        return True

    what = f"the edge {'showing' if wanted else 'no longer showing'} {anime_id}"
    wait_until(check, what=what, timeout=ANSWER_TIMEOUT)
    return seen[-1]


def service_table(stack, aws) -> str:
    service = aws.ecs.describe_services(
        cluster=stack.record.cluster, services=[stack.record.service]
    )
    arn = service["services"][0]["taskDefinition"]
    definition = aws.ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
    environment = definition["containerDefinitions"][0]["environment"]
    return next(e["value"] for e in environment if e["name"] == "ANIME_TABLE")


def drop_table(dynamodb, name: str) -> None:
    dynamodb.delete_table(TableName=name)
    dynamodb.get_waiter("table_not_exists").wait(
        TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )


@pytest.fixture(autouse=True)
def _recovery_as_aws_does_it(stack):
    backend = stack.describe().get("backend")
    if backend != "embedded":
        # dynalite has no backups; moto outside the harness restores without AWS's rules.
        pytest.skip(f"the {backend} backend's DynamoDB does not back up and restore as AWS does")


@pytest.fixture
def put_back(stack, aws):
    """Afterwards the service runs on a table of the blueprint's name again, restored the same
    way from a backup of the table it ended on."""
    yield
    dynamodb, original = aws.dynamodb, stack.record.anime_table
    current = service_table(stack, aws)
    if current == original:
        return
    tables = dynamodb.list_tables()["TableNames"]
    if original in tables:
        drop_table(dynamodb, original)
    backup = dynamodb.create_backup(TableName=current, BackupName="put-back")["BackupDetails"]
    restore_table(stack, RestorePoint(backup_arn=backup["BackupArn"]), target=original)
    drop_table(dynamodb, current)
    dynamodb.delete_backup(BackupArn=backup["BackupArn"])


def restored_name(stack) -> str:
    return f"{stack.record.anime_table}-restored-{uuid.uuid4().hex[:6]}"


def test_the_lost_anime_table_is_restored_from_a_backup(
    put_back, stack, aws, user, api, make_api, open_app
):
    dynamodb, table, edge = aws.dynamodb, stack.record.anime_table, make_api()
    shared = {share(api, title): title for title in (unique("Mushishi"), unique("Planetes"))}
    backup = dynamodb.create_backup(TableName=table, BackupName="nightly")["BackupDetails"]

    drop_table(dynamodb, table)
    lost = edge.get(f"/api/anime/{next(iter(shared))}")
    assert lost.status_code >= 500, lost.text  # the table is gone: no answer but an error

    target = restored_name(stack)
    done = restore_table(stack, RestorePoint(backup_arn=backup["BackupArn"]), target=target)

    assert (done.source_table, done.variable) == (table, "ANIME_TABLE")
    assert service_table(stack, aws) == target
    for anime_id, title in shared.items():
        assert wait_until_shown(edge, anime_id, True)["title"] == title
    listed = {a["id"] for a in edge.get("/api/anime").json()["items"]}
    assert set(shared) <= listed, "the restored shares are missing from the list (feed index)"
    page = open_app(user)  # and the fan sees them in the web app
    for title in shared.values():
        expect(list_titles(page).filter(has_text=title)).to_have_count(1)
    again = share(api, unique("Haibane Renmei"))  # the service writes to the restored table
    assert dynamodb.get_item(TableName=target, Key={"id": {"S": again}}).get("Item")
    pitr = dynamodb.describe_continuous_backups(TableName=target)["ContinuousBackupsDescription"]
    assert pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


def test_wiped_shares_come_back_from_a_point_in_time(put_back, clock, stack, aws, api, make_api):
    dynamodb, table, edge = aws.dynamodb, stack.record.anime_table, make_api()
    kept = {share(api, title): title for title in (unique("Kino"), unique("Aria"))}
    # The emulator keeps the table's history on the stack clock, in the harness; nothing here
    # reads the API tasks' time, so a move does not wait for them to follow.
    clock.advance("10m", tasks_follow=False)
    before_the_mistake = clock.now()
    clock.advance("1m", tasks_follow=False)
    later = share(api, unique("shared after the point"))
    for anime_id in [*kept, later]:  # an operator's clean-up script gone wrong
        dynamodb.delete_item(TableName=table, Key={"id": {"S": anime_id}})
    wait_until_shown(edge, next(iter(kept)), False)
    # The point is now older than LatestRestorableDateTime (now - 5 min).
    clock.advance("10m", tasks_follow=False)

    target = restored_name(stack)
    restore_table(stack, RestorePoint(at=before_the_mistake), source=table, target=target)

    for anime_id, title in kept.items():
        assert wait_until_shown(edge, anime_id, True)["title"] == title
    assert shown(edge, later) is None  # the table as it was at that time: not yet shared


def test_a_table_without_pitr_cannot_be_restored_to_a_point_in_time(put_back, stack, aws):
    dynamodb, table = aws.dynamodb, stack.record.anime_table
    running = service_table(stack, aws)
    off = {"PointInTimeRecoveryEnabled": False}
    dynamodb.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification=off)
    target = restored_name(stack)
    try:
        with pytest.raises(HarnessError, match="PointInTimeRecoveryUnavailableException"):
            restore_table(stack, RestorePoint(latest=True), source=table, target=target)
    finally:
        on = {"PointInTimeRecoveryEnabled": True}
        dynamodb.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification=on)
    assert target not in dynamodb.list_tables()["TableNames"]
    assert service_table(stack, aws) == running
