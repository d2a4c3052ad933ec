"""The API's AWS calls are made with its task role's credentials and checked against the role's
policy, as on AWS: a role without dynamodb:PutItem breaks every share, while reads still work
[AWS: task-iam-roles; reference_policies_evaluation-logic]. The test puts the role back."""

import json
from contextlib import contextmanager
from pathlib import Path

import pytest
from steps import unique

from harness.control_plane.provision.roles import TASK_ROLE_POLICY
from harness.plumbing.waiting import NotYet, wait_until

# IAM changes reach the gate within a second; this only catches a hang.
POLICY_TIMEOUT = 60.0


def _task_role(stack) -> str:
    definition = stack.endpoints.client("ecs").describe_task_definition(
        taskDefinition=stack.record.task_definition_arn
    )["taskDefinition"]
    return definition["taskRoleArn"].rsplit("/", 1)[-1]


@contextmanager
def _without_action(stack, action: str):
    iam = stack.endpoints.client("iam")
    role = _task_role(stack)
    original = iam.get_role_policy(RoleName=role, PolicyName=TASK_ROLE_POLICY)["PolicyDocument"]
    narrowed = json.loads(json.dumps(original))
    for statement in narrowed["Statement"]:
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        statement["Action"] = [a for a in actions if a != action] or ["dynamodb:DescribeLimits"]
    iam.put_role_policy(
        RoleName=role, PolicyName=TASK_ROLE_POLICY, PolicyDocument=json.dumps(narrowed)
    )
    try:
        yield
    finally:
        iam.put_role_policy(
            RoleName=role, PolicyName=TASK_ROLE_POLICY, PolicyDocument=json.dumps(original)
        )


def _share(api):
    return api.post(
        "/api/anime", json={"title": unique("Haibane Renmei"), "genres": ["drama"], "year": 2002}
    )


@pytest.mark.breaks_stack
def test_without_put_item_a_share_fails_while_reads_work(stack, make_user, make_api):
    api = make_api(make_user())
    assert _share(api).status_code == 201
    refused = []

    def share_refused() -> bool:
        answer = _share(api)
        if answer.status_code == 201:
            raise NotYet("the share still succeeds")
        refused.append(answer)
        return True

    with _without_action(stack, "dynamodb:PutItem"):
        wait_until(share_refused, what="a share to be refused", timeout=POLICY_TIMEOUT)
        assert refused[-1].status_code == 503
        assert refused[-1].json()["error"] == "upstream_unavailable"
        assert refused[-1].json()["message"].startswith("dynamodb")
        listed = api.get("/api/anime")
        assert listed.status_code == 200 and listed.json()["items"]

    def share_works() -> bool:
        if _share(api).status_code != 201:
            raise NotYet("the share is still refused")
        return True

    wait_until(share_works, what="shares to work again", timeout=POLICY_TIMEOUT)


def test_no_task_environment_holds_an_access_key(stack):
    tasks = [
        task
        for service in stack.agent.health()["services"].values()
        for task in service["tasks"]
        if task["state"] == "RUNNING"
    ]
    assert tasks
    for task in tasks:
        # What the task process really has, as the kernel holds it.
        raw = Path(f"/proc/{task['pid']}/environ").read_bytes()
        env = dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)
        assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} & set(env)
        assert env["AWS_CONTAINER_CREDENTIALS_FULL_URI"].startswith("http://127.0.0.1:")
