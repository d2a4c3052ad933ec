"""Disaster recovery of a table, the runbook's steps (docs/deployment.md) run against a stack:

1. restore the table into a new one, from a backup (on-demand, or the SYSTEM backup DynamoDB
   keeps of a deleted table with PITR) or to a point in time (stack clock);
2. once it is ACTIVE, turn PITR on for it (a restored table does not inherit it);
3. let the task role reach it: each statement naming the old table's ARN (or its indexes)
   names the new one too (IAM policies are not restored with a table);
4. register a task definition revision whose environment names the new table, update the
   service and wait for the rolling deployment (as `harness deploy api` does).

DynamoDB's own refusals (PointInTimeRecoveryUnavailableException, InvalidRestoreTimeException,
TableAlreadyExistsException, ...) end it before anything changes, as one line."""

from __future__ import annotations

import datetime
import json
import re
import time
from dataclasses import dataclass, field
from urllib.parse import unquote

from botocore.exceptions import ClientError

from harness.errors import HarnessError
from harness.pipelines.api_deploy import REGISTER_FIELDS, roll_onto


@dataclass(frozen=True)
class RestorePoint:
    """Where from: a backup ARN, a point in time (epoch seconds), or the latest restorable."""

    backup_arn: str | None = None
    at: float | None = None
    latest: bool = False

    def describe(self) -> str:
        if self.backup_arn:
            return f"backup {self.backup_arn}"
        if self.latest:
            return "the latest restorable time"
        return datetime.datetime.fromtimestamp(self.at, datetime.UTC).isoformat()


@dataclass
class TableRestore:
    source_table: str
    target_table: str
    restored_from: str
    variable: str
    task_definition_arn: str
    seconds: dict[str, float] = field(default_factory=dict)


def _refused(step: str, exc: ClientError) -> HarnessError:
    error = exc.response["Error"]
    return HarnessError(f"restore: {step}: {error.get('Code')}: {error.get('Message')}")


def _service_task_definition(stack) -> dict:
    ecs, record = stack.endpoints.client("ecs"), stack.record
    arn = ecs.describe_services(cluster=record.cluster, services=[record.service])["services"][0][
        "taskDefinition"
    ]
    return ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]


def _variable_naming(task_definition: dict, table: str) -> str:
    named = {
        e["name"]: e["value"]
        for c in task_definition["containerDefinitions"]
        for e in c.get("environment", [])
    }
    for name, value in named.items():
        if value == table:
            return name
    tables = sorted(v for k, v in named.items() if k.endswith("_TABLE"))
    raise HarnessError(
        f"restore: the service's task definition names no table {table} (it names "
        f"{', '.join(tables) or 'none'})"
    )


def _restore(dynamodb, source: str, target: str, point: RestorePoint) -> None:
    try:
        if point.backup_arn:
            dynamodb.restore_table_from_backup(TargetTableName=target, BackupArn=point.backup_arn)
        elif point.latest:
            dynamodb.restore_table_to_point_in_time(
                SourceTableName=source, TargetTableName=target, UseLatestRestorableTime=True
            )
        else:
            dynamodb.restore_table_to_point_in_time(
                SourceTableName=source,
                TargetTableName=target,
                RestoreDateTime=datetime.datetime.fromtimestamp(point.at, datetime.UTC),
            )
    except ClientError as exc:
        raise _refused(f"{source} -> {target}", exc) from exc


def source_of(dynamodb, point: RestorePoint, source: str | None) -> str:
    if not point.backup_arn:
        if not source:
            raise HarnessError("restore: name the table to restore (--source)")
        return source
    try:
        described = dynamodb.describe_backup(BackupArn=point.backup_arn)["BackupDescription"]
    except ClientError as exc:
        raise _refused(f"--backup {point.backup_arn}", exc) from exc
    return described["SourceTableDetails"]["TableName"]


def grant_task_role(iam, role_arn: str, old_table: str, new_table: str) -> None:
    """Each statement of the role's inline policies that names the old table's ARN (or one of
    its indexes) names the new table's too: tasks of the old revision keep working until the
    rolling deployment has replaced them."""
    role = role_arn.rsplit("/", 1)[-1]
    old_arn = re.compile(rf"^(arn:[^:]*:dynamodb:[^:]*:[^:]*:table/){re.escape(old_table)}(/.*)?$")
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        if isinstance(document, str):
            document = json.loads(unquote(document))
        changed = False
        for statement in document.get("Statement", []):
            named = statement.get("Resource", [])
            named = [named] if isinstance(named, str) else list(named)
            added = [
                old_arn.sub(lambda m: m.group(1) + new_table + (m.group(2) or ""), arn)
                for arn in named
                if old_arn.match(arn)
            ]
            added = [arn for arn in added if arn not in named]
            if added:
                statement["Resource"] = named + added
                changed = True
        if changed:
            iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(document))


def revision_naming(current: dict, variable: str, table: str) -> dict:
    """register_task_definition arguments: the current revision, `variable` set to `table`."""
    wanted = {k: current[k] for k in REGISTER_FIELDS if current.get(k) not in (None, [], {})}
    containers = []
    for container in current["containerDefinitions"]:
        environment = [
            {"name": e["name"], "value": table if e["name"] == variable else e["value"]}
            for e in container.get("environment", [])
        ]
        containers.append({**container, "environment": environment})
    wanted["containerDefinitions"] = containers
    return wanted


def restore_table(
    stack, point: RestorePoint, *, target: str, source: str | None = None, timeout: float = 180.0
) -> TableRestore:
    began, seconds = time.monotonic(), {}
    dynamodb = stack.endpoints.client("dynamodb")
    source = source_of(dynamodb, point, source)
    current = _service_task_definition(stack)
    variable = _variable_naming(current, source)

    _restore(dynamodb, source, target, point)
    dynamodb.get_waiter("table_exists").wait(
        TableName=target, WaiterConfig={"Delay": 1, "MaxAttempts": max(1, int(timeout))}
    )
    dynamodb.update_continuous_backups(
        TableName=target, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    if current.get("taskRoleArn"):
        grant_task_role(stack.endpoints.client("iam"), current["taskRoleArn"], source, target)
    seconds["restore"] = time.monotonic() - began

    mark = time.monotonic()
    revision = revision_naming(current, variable, target)
    arn = roll_onto(stack, revision, timeout=timeout, what=f" (on table {target})")
    seconds["roll"] = time.monotonic() - mark
    seconds["total"] = time.monotonic() - began
    return TableRestore(source, target, point.describe(), variable, arn, seconds)
