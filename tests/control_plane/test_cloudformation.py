"""`harness blueprint --format cloudformation`: the template passes cfn-lint and holds what AWS
needs to run AnimeHub (docs/aws-rules.md names the AWS page of each rule checked here)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cfnlint.api import ManualArgs, lint

from harness.control_plane.backends.aws import OUTPUT_KEYS
from harness.control_plane.blueprint import Blueprint
from harness.control_plane.cloudformation import render_template
from harness.control_plane.spa_routing import spa_routing_code

API = Path(__file__).resolve().parents[2] / "api"
BP = Blueprint()


@pytest.fixture(scope="module")
def template_text() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "harness", "blueprint", "--format", "cloudformation"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


@pytest.fixture(scope="module")
def resources(template_text) -> dict:
    return yaml.safe_load(template_text)["Resources"]


def _lint_errors(text: str) -> list[str]:
    """cfn-lint's errors (E rules), for the region the blueprint deploys to."""
    matches = lint(text, config=ManualArgs(regions=[BP.region]))
    return [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches if m.rule.id[0] == "E"]


def _of_type(resources: dict, kind: str) -> dict:
    return {name: r for name, r in resources.items() if r["Type"] == kind}


def test_cfn_lint_finds_no_error(template_text):
    assert _lint_errors(template_text) == []


def test_cfn_lint_catches_a_broken_template():
    # The negative control: the task definition without its execution role's ARN attribute.
    template = render_template(BP)
    task = template["Resources"]["TaskDefinition"]["Properties"]
    task["ExecutionRoleArn"] = {"Fn::GetAtt": ["ExecutionRole", "NoSuchAttribute"]}
    errors = _lint_errors(yaml.safe_dump(template))
    assert any("NoSuchAttribute" in e for e in errors), errors


def test_the_environment_is_a_parameter_in_every_name(template_text, resources):
    parameters = yaml.safe_load(template_text)["Parameters"]
    assert "EnvironmentName" in parameters
    names = [
        value
        for r in resources.values()
        for key, value in r["Properties"].items()
        if key.endswith("Name")
        and key not in ("ServiceName", "PolicyName", "MetricName")
        or key in ("Family", "Name")
    ]
    assert names and all("${EnvironmentName}" in n["Fn::Sub"] for n in names), names


def test_outputs_are_what_the_aws_backend_reads(template_text):
    outputs = yaml.safe_load(template_text)["Outputs"]
    assert set(outputs) == set(OUTPUT_KEYS.values())


def test_alb_in_public_subnets_routed_to_an_internet_gateway(resources):
    # [vpc-internet-gateway] / [application-load-balancers#load-balancer-subnets]
    balancer = resources["LoadBalancer"]["Properties"]
    assert balancer["Scheme"] == "internet-facing"
    public = [s["Ref"] for s in balancer["Subnets"]]
    zones = {str(resources[s]["Properties"]["AvailabilityZone"]) for s in public}
    assert len(public) == 2 and len(zones) == 2
    associated = {
        a["Properties"]["SubnetId"]["Ref"]: a["Properties"]["RouteTableId"]["Ref"]
        for a in _of_type(resources, "AWS::EC2::SubnetRouteTableAssociation").values()
    }
    routes = _of_type(resources, "AWS::EC2::Route").values()
    to_igw = {
        r["Properties"]["RouteTableId"]["Ref"]
        for r in routes
        if r["Properties"]["DestinationCidrBlock"] == "0.0.0.0/0"
        and r["Properties"]["GatewayId"] == {"Ref": "InternetGateway"}
    }
    assert all(associated[s] in to_igw for s in public)


def test_tasks_in_private_subnets_reach_aws_through_vpc_endpoints(resources):
    network = resources["Service"]["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["AssignPublicIp"] == "DISABLED"
    private = [s["Ref"] for s in network["Subnets"]]
    assert len({str(resources[s]["Properties"]["AvailabilityZone"]) for s in private}) == 2
    assert not _of_type(resources, "AWS::EC2::NatGateway")
    endpoints = _of_type(resources, "AWS::EC2::VPCEndpoint").values()
    kinds = {
        e["Properties"]["ServiceName"]["Fn::Sub"].rsplit(".", 1 if "ecr" not in str(e) else 2)[
            -1 if "ecr" not in str(e) else 1
        ]: e["Properties"]["VpcEndpointType"]
        for e in endpoints
    }
    assert kinds["s3"] == kinds["dynamodb"] == "Gateway"
    assert {k for k, v in kinds.items() if v == "Interface"} >= {"sns", "cognito-idp", "logs"}
    for e in endpoints:
        if e["Properties"]["VpcEndpointType"] == "Gateway":
            assert e["Properties"]["RouteTableIds"] == [{"Ref": "PrivateRouteTable"}]
        else:
            assert [s["Ref"] for s in e["Properties"]["SubnetIds"]] == private


def test_task_group_admits_the_container_port_from_the_alb_group_only(resources):
    (alb_in,) = resources["LoadBalancerSecurityGroup"]["Properties"]["SecurityGroupIngress"]
    assert alb_in["FromPort"] == alb_in["ToPort"] == BP.listener_port
    (task_in,) = resources["TaskSecurityGroup"]["Properties"]["SecurityGroupIngress"]
    assert task_in["FromPort"] == task_in["ToPort"] == BP.container_port
    assert task_in["SourceSecurityGroupId"] == {
        "Fn::GetAtt": ["LoadBalancerSecurityGroup", "GroupId"]
    }
    assert "CidrIp" not in task_in
    assert resources["LoadBalancer"]["Properties"]["SecurityGroups"] == [
        {"Ref": "LoadBalancerSecurityGroup"}
    ]


def test_task_definition_pulls_from_the_ecr_repository_and_logs_with_awslogs(resources):
    task = resources["TaskDefinition"]["Properties"]
    (container,) = task["ContainerDefinitions"]
    assert "${ApiRepository}" in container["Image"]["Fn::Sub"]
    assert container["LogConfiguration"]["LogDriver"] == "awslogs"
    assert container["LogConfiguration"]["Options"]["awslogs-group"] == {"Ref": "ApiLogGroup"}
    assert task["ExecutionRoleArn"] == {"Fn::GetAtt": ["ExecutionRole", "Arn"]}
    assert task["TaskRoleArn"] == {"Fn::GetAtt": ["TaskRole", "Arn"]}
    assert not any("KEY" in e["Name"] for e in container["Environment"])


def _api_calls() -> set[str]:
    """Every AWS operation api/ makes, read from its source: `self._dynamodb.put_item(...)`,
    `self._dynamodb.update_item` passed as a callable, and presigned `put_object` URLs."""
    calls = set()
    for path in API.glob("*.py"):
        source = path.read_text()
        for service, op in re.findall(r"self\._(dynamodb|sns|s3)\.(\w+)\b", source):
            if op == "generate_presigned_url":
                continue
            calls.add(f"{service}:{op}")
        for node in ast.walk(ast.parse(source)):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", "") == "generate_presigned_url"
            ):
                calls.add(f"s3:{node.args[0].value}")
    return calls


def _iam_action(call: str) -> str:
    service, op = call.split(":")
    return f"{service}:" + "".join(part.capitalize() for part in op.split("_"))


def test_task_role_allows_exactly_the_calls_the_api_makes(resources):
    (policy,) = resources["TaskRole"]["Properties"]["Policies"]
    allowed = {
        action
        for s in policy["PolicyDocument"]["Statement"]
        for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    wanted = {_iam_action(call) for call in _api_calls()}
    assert "dynamodb:PutItem" in wanted and "s3:PutObject" in wanted  # the scan found them
    assert allowed == wanted
    resources_named = [s["Resource"] for s in policy["PolicyDocument"]["Statement"]]
    assert "*" not in resources_named


def test_s3_origins_use_an_origin_access_control_granted_by_bucket_policy(resources):
    # [private-content-restricting-access-to-s3]
    config = resources["Distribution"]["Properties"]["DistributionConfig"]
    s3_origins = [o for o in config["Origins"] if "S3OriginConfig" in o]
    assert len(s3_origins) == 2
    for origin in s3_origins:
        assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["OriginAccessControl", "Id"]}
        assert origin["S3OriginConfig"]["OriginAccessIdentity"] == ""
    for bucket in ("WebBucket", "MediaBucket"):
        policy = resources[f"{bucket}Policy"]["Properties"]["PolicyDocument"]
        (read,) = [s for s in policy["Statement"] if s["Action"] == "s3:GetObject"]
        assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        source = read["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
        assert source.endswith(":distribution/${Distribution}")


def test_the_alias_has_an_acm_certificate_and_every_behaviour_redirects_to_https(resources):
    # [using-https-viewers-to-cloudfront], [cnames-and-https-requirements]
    config = resources["Distribution"]["Properties"]["DistributionConfig"]
    alias = {"Fn::Sub": "animehub-${EnvironmentName}.localhost"}
    assert config["Aliases"] == [alias]
    assert config["ViewerCertificate"]["AcmCertificateArn"] == {"Ref": "EdgeCertificate"}
    assert config["ViewerCertificate"]["SslSupportMethod"] == "sni-only"
    certificate = resources["EdgeCertificate"]
    assert certificate["Type"] == "AWS::CertificateManager::Certificate"
    assert certificate["Properties"]["DomainName"] == alias
    behaviours = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    assert {b["ViewerProtocolPolicy"] for b in behaviours} == {"redirect-to-https"}


def test_spa_deep_links_use_a_viewer_request_function_not_an_error_page(resources):
    # Custom error responses apply to every behaviour, /api/* too [HTTPStatusCodes]; the SPA
    # is routed by a published cloudfront-js-2.0 function on the default behaviour instead
    # [functions-event-structure, AWS::CloudFront::Function AutoPublish].
    config = resources["Distribution"]["Properties"]["DistributionConfig"]
    assert "CustomErrorResponses" not in config
    assert config["DefaultCacheBehavior"]["FunctionAssociations"] == [
        {
            "EventType": "viewer-request",
            "FunctionARN": {"Fn::GetAtt": ["SpaRoutingFunction", "FunctionARN"]},
        }
    ]
    assert all("FunctionAssociations" not in b for b in config["CacheBehaviors"])
    function = resources["SpaRoutingFunction"]["Properties"]
    assert function["AutoPublish"] is True
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert function["FunctionCode"] == spa_routing_code("index.html")


def test_encryption_at_rest_and_the_media_lifecycle_rule(resources):
    for bucket in ("WebBucket", "MediaBucket"):
        rules = resources[bucket]["Properties"]["BucketEncryption"]
        assert rules["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
        block = resources[bucket]["Properties"]["PublicAccessBlockConfiguration"]
        assert all(block.values())
    for table in ("AnimeTable", "UsersTable"):
        assert resources[table]["Properties"]["SSESpecification"] == {"SSEEnabled": True}
    (rule,) = resources["MediaBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["Transitions"] == [
        {"StorageClass": "GLACIER", "TransitionInDays": BP.media_archive_after_days}
    ]


def test_the_5xx_alarm_notifies_the_alerts_topic_as_provisioning_makes_it(resources):
    alarm = resources["Api5xxAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == (
        "AWS/ApplicationELB",
        "HTTPCode_Target_5XX_Count",
    )
    assert alarm["Dimensions"] == [
        {"Name": "LoadBalancer", "Value": {"Fn::GetAtt": ["LoadBalancer", "LoadBalancerFullName"]}}
    ]
    assert alarm["Threshold"] == BP.api_5xx_threshold
    assert alarm["AlarmActions"] == [{"Ref": "AlertsTopic"}]
    assert resources["AlertsTopic"]["Type"] == "AWS::SNS::Topic"


def test_the_service_scales_between_2_and_6_on_requests_per_target(resources):
    # [application-auto-scaling-target-tracking; AWS::ApplicationAutoScaling::ScalingPolicy
    # PredefinedMetricSpecification: ResourceLabel is the load balancer's and the target group's
    # full names joined by "/"]
    target = resources["ScalableTarget"]["Properties"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 6)
    assert target["ResourceId"] == {"Fn::Sub": "service/${Cluster}/${Service.Name}"}
    policy = resources["ScalingPolicy"]["Properties"]
    assert policy["ScalingTargetId"] == {"Ref": "ScalableTarget"}
    spec = policy["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"]
    assert spec["PredefinedMetricType"] == "ALBRequestCountPerTarget"
    assert spec["ResourceLabel"] == {
        "Fn::Join": [
            "/",
            [
                {"Fn::GetAtt": ["LoadBalancer", "LoadBalancerFullName"]},
                {"Fn::GetAtt": ["TargetGroup", "TargetGroupFullName"]},
            ],
        ]
    }


def test_both_tables_have_point_in_time_recovery(resources):
    # PointInTimeRecovery_Howitworks (Enable PITR, CloudFormation); provisioning's side:
    # tests/control_plane/test_provision.py::test_tables_have_point_in_time_recovery
    for table in ("AnimeTable", "UsersTable"):
        spec = resources[table]["Properties"]["PointInTimeRecoverySpecification"]
        assert spec == {"PointInTimeRecoveryEnabled": True}


def test_an_unknown_format_is_one_line_naming_the_flag(capsys):
    from harness.cli import main

    assert main(["blueprint", "--format", "terraform"]) == 1
    err = capsys.readouterr().err
    assert err == "harness: --format: expected one of cloudformation, not 'terraform'\n"
