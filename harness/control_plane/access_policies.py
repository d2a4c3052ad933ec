"""The IAM documents of the stack, written once for both renderings (the CloudFormation template
and local provisioning). Each takes the ARNs it names as values, which are strings when
provisioning and CloudFormation intrinsics ({"Fn::GetAtt": ...}) in the template.

The task role allows exactly the calls `api/` makes (api/anime_store.py, api/fan_store.py,
api/media.py) on exactly the resources it makes them on. The API calls no Cognito action: it
verifies tokens against the pool's public JWKS, which needs no permission.
"""

from __future__ import annotations

ECS_TASKS_PRINCIPAL = "ecs-tasks.amazonaws.com"
CLOUDFRONT_PRINCIPAL = "cloudfront.amazonaws.com"


def _document(statements: list[dict]) -> dict:
    return {"Version": "2012-10-17", "Statement": statements}


def ecs_tasks_trust_policy() -> dict:
    return _document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": ECS_TASKS_PRINCIPAL},
                "Action": "sts:AssumeRole",
            }
        ]
    )


def task_role_policy(
    *,
    anime_table_arn,
    anime_feed_index_arn,
    users_table_arn,
    topic_arn,
    media_uploads_arn,
) -> dict:
    """`media_uploads_arn` is the media bucket's fan prefix (arn:aws:s3:::bucket/media/users/*):
    the presigned PUT the API signs is allowed only there."""
    return _document(
        [
            {
                "Sid": "AnimeTable",
                "Effect": "Allow",
                "Action": [
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                ],
                "Resource": anime_table_arn,
            },
            {
                "Sid": "AnimeFeed",
                "Effect": "Allow",
                "Action": "dynamodb:Query",
                "Resource": anime_feed_index_arn,
            },
            {
                "Sid": "UsersTable",
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
                "Resource": users_table_arn,
            },
            {
                # SNS authorizes subscription calls against the topic's ARN.
                "Sid": "SharedTopic",
                "Effect": "Allow",
                "Action": [
                    "sns:Publish",
                    "sns:Subscribe",
                    "sns:SetSubscriptionAttributes",
                    "sns:Unsubscribe",
                ],
                "Resource": topic_arn,
            },
            {
                "Sid": "MediaUploads",
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": media_uploads_arn,
            },
        ]
    )


def execution_role_policy(*, repository_arn, log_group_arn) -> dict:
    """What Fargate needs to start the task: pull the image from its ECR repository and write
    the awslogs stream. GetAuthorizationToken has no resource type, hence "*"."""
    return _document(
        [
            {
                "Sid": "EcrToken",
                "Effect": "Allow",
                "Action": "ecr:GetAuthorizationToken",
                "Resource": "*",
            },
            {
                "Sid": "PullApiImage",
                "Effect": "Allow",
                "Action": [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchGetImage",
                ],
                "Resource": repository_arn,
            },
            {
                "Sid": "TaskLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": log_group_arn,
            },
        ]
    )


def cloudfront_read_policy(*, bucket_arn, objects_arn, distribution_arn, listable: bool) -> dict:
    """Origin Access Control: lets the distribution (and only it) read objects; with `listable`,
    list the bucket too, which makes S3 answer a missing key with 404 NoSuchKey, not 403."""
    grants = [("AllowCloudFrontRead", "s3:GetObject", objects_arn)]
    if listable:
        grants.append(("AllowCloudFrontList", "s3:ListBucket", bucket_arn))
    return _document(
        [
            {
                "Sid": sid,
                "Effect": "Allow",
                "Principal": {"Service": CLOUDFRONT_PRINCIPAL},
                "Action": action,
                "Resource": resource,
                "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
            }
            for sid, action, resource in grants
        ]
    )


def topic_to_queue_policy(*, queue_arn, topic_arn) -> dict:
    """The queue accepts messages from SNS only on behalf of the shares topic."""
    return _document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
            }
        ]
    )
