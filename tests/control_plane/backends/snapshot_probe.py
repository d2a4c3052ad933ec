"""Run in a fresh process by test_embedded_snapshot.py (moto's state is per process): provision
the blueprint on the embedded emulator, read the control plane back through the AWS APIs, take a
snapshot, empty the emulator, restore the snapshot, read it back again. Prints both readings and
the record as JSON."""

from __future__ import annotations

import json
import sys

from moto.core.base_backend import BackendDict
from moto.s3.models import s3_backends

from harness.control_plane.backends import embedded_snapshot
from harness.control_plane.backends.embedded import EmbeddedBackend
from harness.control_plane.blueprint import Blueprint
from harness.control_plane.provision import provision
from harness.data_plane.api_front import ApiFront


def control_plane(endpoints, record) -> dict:
    """What provisioning made, as the AWS APIs describe it."""
    c = endpoints.client
    s3, ddb, ec2, elbv2, cf = c("s3"), c("dynamodb"), c("ec2"), c("elbv2"), c("cloudfront")
    ecs, idp, sns, iam = c("ecs"), c("cognito-idp"), c("sns"), c("iam")
    seen: dict = {"buckets": [b["Name"] for b in s3.list_buckets()["Buckets"]]}
    for bucket in (record.web_bucket, record.media_bucket):
        seen[bucket] = [
            s3.get_bucket_policy(Bucket=bucket)["Policy"],
            s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"],
            s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"],
        ]
    seen["lifecycle"] = s3.get_bucket_lifecycle_configuration(Bucket=record.media_bucket)["Rules"]
    for table in (record.anime_table, record.users_table):
        seen[table] = [
            ddb.describe_table(TableName=table)["Table"],
            ddb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"],
        ]
    seen["pool"] = idp.describe_user_pool(UserPoolId=record.user_pool_id)["UserPool"]
    seen["pool_client"] = idp.describe_user_pool_client(
        UserPoolId=record.user_pool_id, ClientId=record.user_pool_client_id
    )["UserPoolClient"]
    seen["topic"] = sns.get_topic_attributes(TopicArn=record.topic_arn)["Attributes"]
    seen["subscriptions"] = sns.list_subscriptions()["Subscriptions"]
    seen["queue"] = c("sqs").get_queue_attributes(QueueUrl=record.queue_url, AttributeNames=["All"])
    for what in ("vpcs", "subnets", "security_groups", "vpc_endpoints", "route_tables"):
        seen[what] = getattr(ec2, f"describe_{what}")()
    seen["internet_gateways"] = ec2.describe_internet_gateways()["InternetGateways"]
    seen["load_balancers"] = elbv2.describe_load_balancers()["LoadBalancers"]
    seen["target_groups"] = elbv2.describe_target_groups()["TargetGroups"]
    seen["listeners"] = elbv2.describe_listeners(LoadBalancerArn=record.load_balancer_arn)
    seen["cluster"] = ecs.describe_clusters(clusters=[record.cluster])["clusters"]
    seen["service"] = ecs.describe_services(cluster=record.cluster, services=[record.service])
    seen["task_definition"] = ecs.describe_task_definition(
        taskDefinition=record.task_definition_arn
    )["taskDefinition"]
    seen["distribution"] = cf.get_distribution_config(Id=record.distribution_id)
    seen["functions"] = cf.list_functions(Stage="LIVE")["FunctionList"]
    seen["roles"] = iam.list_roles()["Roles"]
    seen["log_groups"] = c("logs").describe_log_groups()["logGroups"]
    seen["repositories"] = c("ecr").describe_repositories()["repositories"]
    seen["alarms"] = c("cloudwatch").describe_alarms()["MetricAlarms"]
    scaling = c("application-autoscaling")
    seen["scalable_targets"] = scaling.describe_scalable_targets(ServiceNamespace="ecs")
    seen["policies"] = scaling.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
    seen["certificates"] = c("acm").list_certificates()["CertificateSummaryList"]
    # Where moto finds each bucket by name (S3's one namespace): the S3 lifecycle part and a
    # CreateBucket of a taken name read it.
    seen["bucket_owners"] = {b: s3_backends.bucket_accounts.get(b) for b in seen["buckets"]}
    for reading in seen.values():
        if isinstance(reading, dict):
            reading.pop("ResponseMetadata", None)
    return json.loads(json.dumps(seen, default=str, sort_keys=True))


def main() -> None:
    backend = EmbeddedBackend("us-east-1").start()
    front = ApiFront(backend.endpoints).start()
    try:
        record = provision(front.endpoints, Blueprint())
        provisioned = control_plane(front.endpoints, record)
        snapshot = embedded_snapshot.capture(front.cloudfront_functions)
        BackendDict.reset()  # an emulator that holds nothing, as at a stack's start
        s3_backends.bucket_accounts.clear()
        front.cloudfront_functions.live.clear()
        front.cloudfront_functions.associations.clear()
        emptied = embedded_snapshot.is_pristine()
        embedded_snapshot.restore(snapshot, front.cloudfront_functions)
        restored = control_plane(front.endpoints, record)
        again = provision(front.endpoints, Blueprint())  # idempotent: finds it all in place
    finally:
        front.stop()
        backend.stop()
    json.dump(
        {
            "provisioned": provisioned,
            "restored": restored,
            "emptied": emptied,
            "record": record.to_json(),
            "record_again": again.to_json(),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
