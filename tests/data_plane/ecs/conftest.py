"""moto in-process, and a cluster + service + target group per test, like the blueprint's."""

from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.control_plane.endpoints import EndpointMap
from harness.data_plane.alb import LoadBalancer
from harness.data_plane.ecs import EcsAgent

STANDIN = Path(__file__).with_name("standin_api.py")
STANDIN_COMMANDS = {"animehub-api": [sys.executable, str(STANDIN)]}
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/animehub-api:1.0"


@pytest.fixture(scope="session")
def network(endpoints):
    ec2 = endpoints.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc_id)
    return {"vpc_id": vpc_id, "subnet": subnet, "security_group": group["GroupId"]}


@dataclass
class Service:
    endpoints: EndpointMap
    cluster: str
    name: str
    family: str
    target_group_arn: str
    log_dir: Path

    @property
    def ecs(self):
        return self.endpoints.client("ecs")

    def register_revision(
        self,
        environment: dict[str, str] | None = None,
        task_role_arn: str | None = None,
        execution_role_arn: str | None = None,
        **overrides,
    ) -> str:
        container = {
            "name": "api",
            "image": IMAGE,
            "essential": True,
            "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
            "environment": [{"name": k, "value": v} for k, v in (environment or {}).items()],
        } | overrides
        roles = {"taskRoleArn": task_role_arn} if task_role_arn else {}
        if execution_role_arn:
            roles["executionRoleArn"] = execution_role_arn
        return self.ecs.register_task_definition(
            **roles,
            family=self.family,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=[container],
        )["taskDefinition"]["taskDefinitionArn"]

    def update(self, **kwargs) -> None:
        self.ecs.update_service(cluster=self.cluster, service=self.name, **kwargs)


@pytest.fixture
def make_service(endpoints, network, tmp_path):
    """A Fargate service behind a target group with the blueprint's health check."""

    def make(
        desired: int = 2,
        environment: dict[str, str] | None = None,
        task_role_arn: str | None = None,
    ) -> Service:
        suffix = uuid.uuid4().hex[:10]
        elbv2 = endpoints.client("elbv2")
        target_group_arn = elbv2.create_target_group(
            Name=f"tg-{suffix}",
            Protocol="HTTP",
            Port=8080,
            VpcId=network["vpc_id"],
            TargetType="ip",
            HealthCheckPath="/api/health",
            HealthCheckIntervalSeconds=5,
            HealthCheckTimeoutSeconds=2,
            HealthyThresholdCount=2,
            UnhealthyThresholdCount=2,
            Matcher={"HttpCode": "200"},
        )["TargetGroups"][0]["TargetGroupArn"]
        elbv2.modify_target_group_attributes(
            TargetGroupArn=target_group_arn,
            Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "3"}],
        )
        service = Service(
            endpoints, f"cluster-{suffix}", "api", f"api-{suffix}", target_group_arn, tmp_path
        )
        service.ecs.create_cluster(clusterName=service.cluster)
        service.register_revision(environment, task_role_arn)
        service.ecs.create_service(
            cluster=service.cluster,
            serviceName=service.name,
            taskDefinition=service.family,
            desiredCount=desired,
            launchType="FARGATE",
            loadBalancers=[
                {"targetGroupArn": target_group_arn, "containerName": "api", "containerPort": 8080}
            ],
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": [network["subnet"]],
                    "securityGroups": [network["security_group"]],
                    "assignPublicIp": "DISABLED",
                }
            },
        )
        return service

    return make


@pytest.fixture
def running(endpoints):
    """Start an ALB and an agent for a service; both are stopped after the test."""
    started = []

    def run(
        service: Service, *, commands=STANDIN_COMMANDS, with_alb: bool = True, agent_endpoints=None
    ):
        alb = None
        if with_alb:
            alb = LoadBalancer(endpoints, service.target_group_arn, log_dir=service.log_dir).start()
            started.append(alb)
        agent = EcsAgent(
            agent_endpoints or endpoints,
            service.cluster,
            [service.name],
            alb=alb,
            log_dir=service.log_dir,
            commands=commands,
        ).start()
        started.append(agent)
        return alb, agent

    yield run
    for part in reversed(started):
        part.stop()
