"""What a developer sees with the AWS CLI agrees with what runs: the ECS API lists the tasks
`harness status` shows, describe-target-health reports them as the ALB checks them, and the
tasks' output is in their awslogs log group (ECS API reference: ListTasks, DescribeTasks,
DescribeServices; target-group-health-checks; using_awslogs)."""

from harness.plumbing.waiting import wait_until


def _running_in_status(stack) -> dict[str, dict]:
    service = stack.describe()["components"]["ecs_agent"]["services"][stack.record.service]
    return {t["id"]: t for t in service["tasks"] if t["state"] == "RUNNING"}


def test_the_aws_apis_agree_with_harness_status(stack, aws):
    ecs, elbv2, logs = aws("ecs"), aws("elbv2"), aws("logs")
    cluster, name = stack.record.cluster, stack.record.service
    seen = {}

    def agree() -> bool:
        running = _running_in_status(stack)
        arns = ecs.list_tasks(cluster=cluster, serviceName=name)["taskArns"]
        tasks = ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []
        (service,) = ecs.describe_services(cluster=cluster, services=[name])["services"]
        health = elbv2.describe_target_health(TargetGroupArn=stack.record.target_group_arn)
        targets = {
            (d["Target"]["Id"], d["Target"]["Port"]): d["TargetHealth"]["State"]
            for d in health["TargetHealthDescriptions"]
        }
        seen.update(running=running, tasks=tasks, service=service, targets=targets)
        return (
            {t["taskArn"].rsplit("/", 1)[-1] for t in tasks} == set(running)
            and all(t["lastStatus"] == "RUNNING" for t in tasks)
            and service["runningCount"] == len(running) == service["desiredCount"]
            and {(t["host"], t["port"]) for t in running.values()} <= set(targets)
            and all(targets[(t["host"], t["port"])] == "healthy" for t in running.values())
        )

    wait_until(agree, what="the ECS and ELBv2 APIs to agree with harness status", timeout=30)
    assert [d["rolloutState"] for d in seen["service"]["deployments"]] == ["COMPLETED"]

    definition = ecs.describe_task_definition(taskDefinition=stack.record.task_definition_arn)
    options = definition["taskDefinition"]["containerDefinitions"][0]["logConfiguration"]["options"]
    group, prefix = options["awslogs-group"], options["awslogs-stream-prefix"]
    container = definition["taskDefinition"]["containerDefinitions"][0]["name"]
    streams = {f"{prefix}/{container}/{task_id}" for task_id in seen["running"]}

    def logged() -> bool:
        try:
            events = logs.filter_log_events(logGroupName=group, logStreamNames=sorted(streams))
        except logs.exceptions.ResourceNotFoundException:
            return False  # a stream appears with its task's first line
        return {e["logStreamName"] for e in events["events"]} == streams

    wait_until(logged, what="each running task's lines in its awslogs stream", timeout=30)
