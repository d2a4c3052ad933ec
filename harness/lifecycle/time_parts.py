"""The parts that act on the stack clock (S3 lifecycle, the ALB's CloudWatch metrics, alarm
evaluation, Application Auto Scaling), started into a Stack's ExitStack once the ALB and the
emulator are up."""

from __future__ import annotations

from contextlib import ExitStack


def start_time_parts(stack, parts: ExitStack) -> None:
    from harness.data_plane.alarms import AlarmEvaluator
    from harness.data_plane.alb.access_log import FILE_NAME
    from harness.data_plane.alb.metrics import AlbMetrics
    from harness.data_plane.autoscaling import AutoScaler
    from harness.data_plane.s3_lifecycle import S3Lifecycle

    alb = stack.alb
    stack.alb_metrics = AlbMetrics(
        stack.endpoints.internal_client("cloudwatch"),
        stack.run_dir.logs / FILE_NAME,
        alb.health,
        lambda: alb.access_log.elb if alb.access_log.elb != "-" else None,
    )
    stack.s3_lifecycle = S3Lifecycle(
        stack.endpoints,
        [stack.record.media_bucket],
        embedded=stack.settings.backend == "embedded",
    )
    # Policies change the service's desired count through ECS as a client would: the front.
    stack.autoscaling = AutoScaler(stack.endpoints)
    stack.api_front.serve_autoscaling(stack.autoscaling)
    stack.api_front.watch("application-autoscaling", stack.autoscaling.poke)
    stack.alarms = AlarmEvaluator(stack.endpoints, then=stack.autoscaling.poke)
    for name, part in (
        ("ALB metrics", stack.alb_metrics),
        ("alarm evaluation", stack.alarms),
        ("S3 lifecycle", stack.s3_lifecycle),
        ("Application Auto Scaling", stack.autoscaling),
    ):
        parts.callback(stack._stopping, name, part.stop)
        part.start()
