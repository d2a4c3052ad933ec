"""The API as ECS would run it, started by hand: only the environment the harness exports plus
the task definition's own. A share goes end to end: a token from the emulated Cognito, the item
in DynamoDB, the message on the topic's SQS queue."""

import json
import os
import socket
import subprocess
import sys

import httpx
import pytest

from harness.plumbing.waiting import wait_until


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def api_process(stack, aws):
    task_definition = aws("ecs").describe_task_definition(
        taskDefinition=stack.record.task_definition_arn
    )["taskDefinition"]
    (container,) = task_definition["containerDefinitions"]
    port = _free_port()
    env = {
        "PATH": os.environ["PATH"],
        **stack.endpoints.env(),
        **{e["name"]: e["value"] for e in container["environment"]},
        **stack.task_environment(),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "TASK_ID": "by-hand",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "api"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:

        def answers() -> bool:
            assert process.poll() is None, process.stderr.read().decode()
            return httpx.get(url + "/api/health", timeout=1, trust_env=False).status_code == 200

        wait_until(
            answers, what="the API to answer /api/health", timeout=120, transient=(httpx.HTTPError,)
        )
        yield url
    finally:
        process.terminate()
        process.wait(10)
        process.stderr.close()


def _message_for(sqs, queue_url: str, anime_id: str) -> dict:
    """Every share of the session lands on this queue: read past the others (they stay hidden
    for the visibility timeout, so each receive brings new ones) to find this one."""

    def this_one() -> dict | None:
        answer = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=60
        )
        for message in answer.get("Messages", []):
            envelope = json.loads(message["Body"])
            if envelope["MessageAttributes"]["anime_id"]["Value"] == anime_id:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                return envelope
        return None

    return wait_until(this_one, what=f"a message for anime {anime_id} on the queue", timeout=60)


def test_a_share_reaches_dynamodb_and_the_topics_queue(api_process, make_user, aws, stack):
    fan = make_user()
    shared = httpx.post(
        api_process + "/api/anime",
        json={"title": "Mushishi", "genres": ["iyashikei", "mystery"], "year": 2005},
        headers=fan.auth_header,
        trust_env=False,
    )
    assert shared.status_code == 201, shared.text
    assert shared.headers["X-AnimeHub-Task"] == "by-hand"
    anime_id = shared.json()["id"]

    item = aws("dynamodb").get_item(
        TableName=stack.record.anime_table, Key={"id": {"S": anime_id}}, ConsistentRead=True
    )["Item"]
    assert item["title"] == {"S": "Mushishi"}

    envelope = _message_for(aws("sqs"), stack.record.queue_url, anime_id)
    assert envelope["TopicArn"] == stack.record.topic_arn
    genres = json.loads(envelope["MessageAttributes"]["genre"]["Value"])
    assert genres == ["iyashikei", "mystery"]
