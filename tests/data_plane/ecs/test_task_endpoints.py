"""A task gets its role's credentials as Fargate gives them: from the agent's container
credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN),
minted by the emulator's STS; never static keys. And the task metadata endpoint v4
[AWS: task-iam-roles; task-metadata-endpoint-v4-fargate; ecs-environment-variables]."""

import json
import uuid

import httpx
import pytest

from harness.control_plane.access_policies import ecs_tasks_trust_policy
from harness.plumbing.waiting import NotYet, wait_until

STEADY_TIMEOUT = 60.0  # catches a hang only


@pytest.fixture
def task_role(endpoints):
    iam = endpoints.client("iam")
    name = f"task-{uuid.uuid4().hex[:10]}"
    arn = iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(ecs_tasks_trust_policy())
    )["Role"]["Arn"]
    yield arn
    iam.delete_role(RoleName=name)


def test_the_task_calls_aws_as_its_role_with_no_static_keys(make_service, running, task_role):
    service = make_service(desired=1, task_role_arn=task_role)
    alb, agent = running(service)
    agent.wait_steady(STEADY_TIMEOUT)
    with httpx.Client(base_url=alb.url, trust_env=False, timeout=30) as client:
        env = client.get("/api/env").json()
        identity = client.get("/api/whoami").json()
    assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} & set(env)
    assert env["AWS_CONTAINER_CREDENTIALS_FULL_URI"].startswith("http://127.0.0.1:")
    assert env["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    assert env["AWS_EXECUTION_ENV"] == "AWS_ECS_FARGATE"
    role_name = task_role.rsplit("/", 1)[-1]
    assert f":assumed-role/{role_name}/" in identity["arn"]


def test_the_credentials_endpoint_wants_the_tasks_token(make_service, running, task_role):
    service = make_service(desired=1, task_role_arn=task_role)
    alb, agent = running(service)
    agent.wait_steady(STEADY_TIMEOUT)
    with httpx.Client(base_url=alb.url, trust_env=False, timeout=30) as client:
        env = client.get("/api/env").json()
    url, token = env["AWS_CONTAINER_CREDENTIALS_FULL_URI"], env["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    with httpx.Client(trust_env=False, timeout=30) as client:
        refused = client.get(url, headers={"Authorization": "not-the-token"})
        granted = client.get(url, headers={"Authorization": token}).json()
    assert refused.status_code == 401
    assert granted["RoleArn"] == task_role
    assert granted["AccessKeyId"] and granted["SecretAccessKey"] and granted["Token"]
    assert granted["Expiration"].endswith("Z")


def test_a_task_without_a_role_gets_no_credentials(make_service, running):
    service = make_service(desired=1)
    alb, agent = running(service)
    agent.wait_steady(STEADY_TIMEOUT)
    with httpx.Client(base_url=alb.url, trust_env=False, timeout=30) as client:
        env = client.get("/api/env").json()
    assert "AWS_CONTAINER_CREDENTIALS_FULL_URI" not in env
    assert "AWS_ACCESS_KEY_ID" not in env


def test_the_task_metadata_endpoint_v4_names_the_task(make_service, running):
    service = make_service(desired=1)
    alb, agent = running(service)
    agent.wait_steady(STEADY_TIMEOUT)
    with httpx.Client(base_url=alb.url, trust_env=False, timeout=30) as client:
        task_id = client.get("/api/health").headers["X-AnimeHub-Task"]
        metadata = client.get("/api/metadata").json()
    assert metadata["TaskARN"].endswith(f":task/{service.cluster}/{task_id}")
    assert metadata["Family"] == service.family
    assert metadata["Revision"] == "1"
    (container,) = metadata["Containers"]
    (network,) = container["Networks"]
    assert network["NetworkMode"] == "awsvpc"
    assert network["IPv4Addresses"][0].startswith("127.")


def test_a_definition_without_the_execution_role_awslogs_needs_is_refused(make_service, running):
    # ECS refuses awslogs on Fargate without an execution role [AWS: task_execution_IAM_role];
    # the emulator registers it, so the agent refuses to start it and says why.
    service = make_service(desired=0)
    service.register_revision(
        logConfiguration={
            "logDriver": "awslogs",
            "options": {"awslogs-group": "/ecs/x", "awslogs-region": "us-east-1"},
        }
    )
    _, agent = running(service)
    service.update(taskDefinition=service.family, desiredCount=1)

    def refused() -> bool:
        problem = agent.health()["services"]["api"]["problem"] or ""
        if "execution role" not in problem:
            raise NotYet(problem or "no problem reported yet")
        return True

    wait_until(refused, what="the agent to refuse the definition", timeout=STEADY_TIMEOUT)
    problem = agent.health()["services"]["api"]["problem"]
    assert problem.endswith(
        "Fargate requires task definition to have execution role ARN to support log driver awslogs."
    )
    assert agent.health()["services"]["api"]["running"] == 0
