"""ECS: the cluster, the API's Fargate task definition and its service behind the target group."""

from __future__ import annotations

from harness.control_plane.blueprint import Blueprint


def api_environment(bp: Blueprint, made: dict) -> dict[str, str]:
    """What the API container is told about the stack (docs/contracts.md)."""
    return {
        "ANIME_TABLE": made["anime_table"],
        "ANIME_FEED_INDEX": made["anime_feed_index"],
        "USERS_TABLE": made["users_table"],
        "SHARED_TOPIC_ARN": made["topic_arn"],
        "MEDIA_BUCKET": made["media_bucket"],
        "COGNITO_USER_POOL_ID": made["user_pool_id"],
        "COGNITO_CLIENT_ID": made["user_pool_client_id"],
        "APP_VERSION": bp.version,
        "PORT": str(bp.container_port),
    }


def _container(bp: Blueprint, environment: dict[str, str]) -> dict:
    return {
        "name": bp.container_name,
        "image": bp.image,
        "essential": True,
        "memory": int(bp.memory),
        "portMappings": [{"containerPort": bp.container_port, "protocol": "tcp"}],
        "environment": [{"name": k, "value": v} for k, v in sorted(environment.items())],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": f"/ecs/{bp.task_family}",
                "awslogs-region": bp.region,
                "awslogs-stream-prefix": "api",
                "awslogs-create-group": "true",
            },
        },
    }


def _same_container(current: dict, wanted: dict) -> bool:
    def key(c: dict) -> tuple:
        env = sorted((e["name"], e["value"]) for e in c.get("environment", []))
        ports = [p["containerPort"] for p in c.get("portMappings", [])]
        return (c["name"], c["image"], tuple(env), tuple(ports), c.get("logConfiguration"))

    return key(current) == key(wanted)


def _task_definition(ecs, bp: Blueprint, container: dict) -> str:
    families = ecs.list_task_definitions(familyPrefix=bp.task_family, sort="DESC")
    if families["taskDefinitionArns"]:
        latest = ecs.describe_task_definition(taskDefinition=families["taskDefinitionArns"][0])
        current = latest["taskDefinition"]
        if len(current["containerDefinitions"]) == 1 and _same_container(
            current["containerDefinitions"][0], container
        ):
            return current["taskDefinitionArn"]
    return ecs.register_task_definition(
        family=bp.task_family,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu=bp.cpu,
        memory=bp.memory,
        containerDefinitions=[container],
    )["taskDefinition"]["taskDefinitionArn"]


def provision_compute(ecs, bp: Blueprint, made: dict) -> dict:
    clusters = ecs.describe_clusters(clusters=[bp.cluster])["clusters"]
    if not any(c["status"] == "ACTIVE" for c in clusters):
        ecs.create_cluster(clusterName=bp.cluster)
    task_definition_arn = _task_definition(ecs, bp, _container(bp, api_environment(bp, made)))

    services = ecs.describe_services(cluster=bp.cluster, services=[bp.service])["services"]
    active = [s for s in services if s["status"] == "ACTIVE"]
    if not active:
        ecs.create_service(
            cluster=bp.cluster,
            serviceName=bp.service,
            taskDefinition=task_definition_arn,
            desiredCount=bp.desired_count,
            launchType="FARGATE",
            deploymentConfiguration={"maximumPercent": 200, "minimumHealthyPercent": 100},
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": list(made["subnet_ids"]),
                    "securityGroups": [made["security_group_id"]],
                    "assignPublicIp": "DISABLED",
                }
            },
            loadBalancers=[
                {
                    "targetGroupArn": made["target_group_arn"],
                    "containerName": bp.container_name,
                    "containerPort": bp.container_port,
                }
            ],
            healthCheckGracePeriodSeconds=10,
        )
    else:
        service = active[0]
        if (
            service["taskDefinition"] != task_definition_arn
            or service["desiredCount"] != bp.desired_count
        ):
            ecs.update_service(
                cluster=bp.cluster,
                service=bp.service,
                taskDefinition=task_definition_arn,
                desiredCount=bp.desired_count,
            )
    return {
        "cluster": bp.cluster,
        "task_definition_arn": task_definition_arn,
        "service": bp.service,
    }
