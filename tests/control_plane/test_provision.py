"""Provisioning against a real moto server: everything the blueprint names exists, and a
second run changes nothing."""

import json

import pytest

from harness.control_plane.backends.embedded import EmbeddedBackend
from harness.control_plane.blueprint import CACHING_DISABLED, CACHING_OPTIMIZED, Blueprint
from harness.control_plane.provision import provision
from harness.control_plane.provision.storage import ensure_bucket_policy

# moto keeps one state per process; a name of our own keeps these resources apart from the
# stacks other tests start in this process.
BLUEPRINT = Blueprint(name="provtest")


@pytest.fixture(scope="module")
def emulator():
    backend = EmbeddedBackend("us-east-1").start()
    yield backend.endpoints
    backend.stop()


@pytest.fixture(scope="module")
def record(emulator):
    return provision(emulator, BLUEPRINT)


def test_buckets_with_website_and_glacier_lifecycle(emulator, record):
    s3 = emulator.client("s3")
    website = s3.get_bucket_website(Bucket=record.web_bucket)
    assert website["IndexDocument"]["Suffix"] == "index.html"
    rules = s3.get_bucket_lifecycle_configuration(Bucket=record.media_bucket)["Rules"]
    assert rules[0]["Transitions"] == [{"Days": 180, "StorageClass": "GLACIER"}]


def test_anime_table_has_the_newest_first_index(emulator, record):
    table = emulator.client("dynamodb").describe_table(TableName=record.anime_table)["Table"]
    (index,) = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == record.anime_feed_index
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["feed", "shared_at"]


def test_user_pool_signs_in_by_email_with_the_web_client_flows(emulator, record):
    cognito = emulator.client("cognito-idp")
    pool = cognito.describe_user_pool(UserPoolId=record.user_pool_id)["UserPool"]
    assert pool["UsernameAttributes"] == ["email"]
    client = cognito.describe_user_pool_client(
        UserPoolId=record.user_pool_id, ClientId=record.user_pool_client_id
    )["UserPoolClient"]
    assert set(client["ExplicitAuthFlows"]) >= {
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    assert "ClientSecret" not in client


def test_topic_delivers_to_the_queue(emulator, record):
    subs = emulator.client("sns").list_subscriptions_by_topic(TopicArn=record.topic_arn)
    assert [s["Endpoint"] for s in subs["Subscriptions"]] == [record.queue_arn]


def test_service_runs_the_api_behind_the_target_group(emulator, record):
    ecs = emulator.client("ecs")
    (service,) = ecs.describe_services(cluster=record.cluster, services=[record.service])[
        "services"
    ]
    assert service["desiredCount"] == BLUEPRINT.desired_count
    assert service["loadBalancers"][0]["targetGroupArn"] == record.target_group_arn
    task_def = ecs.describe_task_definition(taskDefinition=record.task_definition_arn)
    (container,) = task_def["taskDefinition"]["containerDefinitions"]
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["ANIME_TABLE"] == record.anime_table
    assert env["SHARED_TOPIC_ARN"] == record.topic_arn
    assert container["image"].endswith("/animehub-api:" + BLUEPRINT.version)


def test_target_group_health_check_is_explicit(emulator, record):
    (group,) = emulator.client("elbv2").describe_target_groups(
        TargetGroupArns=[record.target_group_arn]
    )["TargetGroups"]
    assert group["HealthCheckPath"] == "/api/health"
    assert group["TargetType"] == "ip"
    assert (group["HealthCheckIntervalSeconds"], group["HealthyThresholdCount"]) == (5, 2)


def test_distribution_routes_api_uncached_and_media_and_web_cached(emulator, record):
    config = emulator.client("cloudfront").get_distribution_config(Id=record.distribution_id)[
        "DistributionConfig"
    ]
    behaviours = {b["PathPattern"]: b["CachePolicyId"] for b in config["CacheBehaviors"]["Items"]}
    assert behaviours == {"/api/*": CACHING_DISABLED, "/media/*": CACHING_OPTIMIZED}
    assert config["DefaultCacheBehavior"]["CachePolicyId"] == CACHING_OPTIMIZED
    assert config["DefaultRootObject"] == "index.html"
    origins = {o["Id"]: o["DomainName"] for o in config["Origins"]["Items"]}
    assert origins["api-alb"] == record.load_balancer_dns
    # Only 404: error responses apply to /api/* too, and the API's 403 must reach the caller.
    errors = [
        (e["ErrorCode"], e["ResponsePagePath"], str(e["ResponseCode"]))
        for e in config["CustomErrorResponses"]["Items"]
    ]
    assert errors == [(404, "/index.html", "200")]


def _policy(s3, bucket):
    return json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])


def test_buckets_let_the_distribution_read_and_the_web_one_list(emulator, record):
    s3 = emulator.client("s3")
    arn = emulator.client("cloudfront").get_distribution(Id=record.distribution_id)["Distribution"][
        "ARN"
    ]
    assert arn.endswith(f":distribution/{record.distribution_id}")
    granted = {}
    for bucket in (record.web_bucket, record.media_bucket):
        for statement in _policy(s3, bucket)["Statement"]:
            assert statement["Effect"] == "Allow"
            assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
            assert statement["Condition"] == {"StringEquals": {"AWS:SourceArn": arn}}
            granted.setdefault(bucket, []).append((statement["Action"], statement["Resource"]))
    assert granted == {
        record.web_bucket: [
            ("s3:GetObject", f"arn:aws:s3:::{record.web_bucket}/*"),
            ("s3:ListBucket", f"arn:aws:s3:::{record.web_bucket}"),
        ],
        record.media_bucket: [("s3:GetObject", f"arn:aws:s3:::{record.media_bucket}/*")],
    }


def _snapshot(endpoints, record):
    cf = endpoints.client("cloudfront")
    ecs = endpoints.client("ecs")
    s3 = endpoints.client("s3")
    return {
        "bucket_policies": [_policy(s3, b) for b in (record.web_bucket, record.media_bucket)],
        "distribution_etag": cf.get_distribution_config(Id=record.distribution_id)["ETag"],
        "task_definitions": ecs.list_task_definitions()["taskDefinitionArns"],
        "pools": len(endpoints.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]),
        "vpcs": len(endpoints.client("ec2").describe_vpcs()["Vpcs"]),
        "subscriptions": len(endpoints.client("sns").list_subscriptions()["Subscriptions"]),
        "load_balancers": len(endpoints.client("elbv2").describe_load_balancers()["LoadBalancers"]),
    }


def test_provisioning_twice_changes_nothing(emulator, record):
    before = _snapshot(emulator, record)
    again = provision(emulator, BLUEPRINT)
    assert again == record
    assert _snapshot(emulator, record) == before


def test_a_bucket_policy_is_put_only_when_it_differs(emulator, record):
    s3 = emulator.client("s3")
    puts = []
    s3.meta.events.register("before-call.s3.PutBucketPolicy", lambda **_: puts.append(1))
    applied = _policy(s3, record.media_bucket)
    ensure_bucket_policy(s3, record.media_bucket, applied)
    assert puts == []
    try:
        ensure_bucket_policy(s3, record.media_bucket, {**applied, "Id": "changed"})
        assert puts == [1]
    finally:
        ensure_bucket_policy(s3, record.media_bucket, applied)


def test_a_changed_blueprint_is_applied_in_place(emulator, record):
    changed = provision(emulator, Blueprint(name="provtest", version="9.9.9"))
    assert changed.task_definition_arn != record.task_definition_arn
    assert changed.distribution_id == record.distribution_id
    (service,) = emulator.client("ecs").describe_services(
        cluster=record.cluster, services=[record.service]
    )["services"]
    assert service["taskDefinition"] == changed.task_definition_arn
    provision(emulator, BLUEPRINT)
