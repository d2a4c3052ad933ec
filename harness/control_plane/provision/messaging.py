"""SNS and SQS: the stack's anime-shared topic and a queue subscribed to every share."""

from __future__ import annotations

import json

from harness.control_plane.access_policies import topic_to_queue_policy
from harness.control_plane.blueprint import Blueprint


def provision_messaging(sns, sqs, bp: Blueprint) -> dict:
    topic_arn = sns.create_topic(Name=bp.shared_topic)["TopicArn"]
    queue_url = sqs.create_queue(QueueName=bp.queue)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    policy = topic_to_queue_policy(queue_arn=queue_arn, topic_arn=topic_arn)
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
    subscribed = any(
        sub["Endpoint"] == queue_arn
        for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn)
        for sub in page["Subscriptions"]
    )
    if not subscribed:
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return {"topic_arn": topic_arn, "queue_url": queue_url, "queue_arn": queue_arn}
