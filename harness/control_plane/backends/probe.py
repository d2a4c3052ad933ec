"""Fail fast on a wrong endpoint: one cheap read-only call per service, short timeouts, no retry.

A closed port and a web server that is not an AWS API both end in one HarnessError line naming
the service and the URL, before anything is provisioned.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from harness.control_plane.endpoints import EndpointMap
from harness.errors import HarnessError

# service -> (operation, arguments, a key every genuine answer carries). The key check is what
# tells an AWS API from an HTML page, which some parsers would otherwise accept as empty.
CHEAP_CALLS: dict[str, tuple[str, dict, str]] = {
    "s3": ("list_buckets", {}, "Buckets"),
    "dynamodb": ("list_tables", {"Limit": 1}, "TableNames"),
    "cognito-idp": ("list_user_pools", {"MaxResults": 1}, "UserPools"),
    "sns": ("list_topics", {}, "Topics"),
    # An empty list_queues answer carries no key at all; asking for a queue that does not exist
    # gets a real API's QueueDoesNotExist error and a web page's 200.
    "sqs": ("get_queue_url", {"QueueName": "animehub-probe-no-such-queue"}, "QueueUrl"),
    "ec2": ("describe_vpcs", {"MaxResults": 5}, "Vpcs"),
    "ecs": ("list_clusters", {"maxResults": 1}, "clusterArns"),
    "elbv2": ("describe_load_balancers", {"PageSize": 1}, "LoadBalancers"),
    "cloudfront": ("list_distributions", {"MaxItems": "1"}, "DistributionList.Quantity"),
    "ecr": ("describe_repositories", {"maxResults": 1}, "repositories"),
    "cloudwatch": ("describe_alarms", {"MaxRecords": 1}, "MetricAlarms"),
    "application-autoscaling": (
        "describe_scalable_targets",
        {"ServiceNamespace": "ecs", "MaxResults": 1},
        "ScalableTargets",
    ),
    "logs": ("describe_log_groups", {"limit": 1}, "logGroups"),
    "iam": ("list_roles", {"MaxItems": 1}, "Roles"),
    "sts": ("get_caller_identity", {}, "Account"),
    "cloudformation": ("list_stacks", {}, "StackSummaries"),
}

PROBE_CONFIG = Config(
    connect_timeout=2, read_timeout=5, retries={"total_max_attempts": 1, "mode": "standard"}
)


def probe(endpoints: EndpointMap, service: str) -> None:
    """Raise HarnessError unless `service` answers as an AWS API where the map points it."""
    url = endpoints.url(service) or "aws"
    operation, arguments, expected = CHEAP_CALLS[service]
    client = endpoints.client(service, config=PROBE_CONFIG)
    try:
        answer = getattr(client, operation)(**arguments)
    except ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = exc.response.get("Error", {}).get("Code", "")
        if _is_aws_error(code):
            return  # an AWS API that said no (access denied, throttled) is still an AWS API
        raise _failure(service, url, f"is not an AWS API (HTTP {status})") from None
    except BotoCoreError as exc:
        raise _failure(service, url, _describe(exc)) from None
    except (ResponseParserError, KeyError, ValueError, TypeError):  # a body that is not AWS's
        raise _failure(service, url, "is not an AWS API (its answer cannot be parsed)") from None
    if not _has(answer, expected):
        raise _failure(service, url, f"is not an AWS API (its answer has no {expected})")


def probe_all(endpoints: EndpointMap, services: tuple[str, ...]) -> None:
    """Probe side by side; report the first failing service in `services` order."""
    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="probe") as pool:
        outcomes = list(pool.map(lambda s: _outcome(endpoints, s), services))
    for failure in outcomes:
        if failure is not None:
            raise failure


def _outcome(endpoints: EndpointMap, service: str) -> HarnessError | None:
    try:
        probe(endpoints, service)
    except HarnessError as exc:
        return exc
    return None


def _has(answer: dict, path: str) -> bool:
    for key in path.split("."):
        if not isinstance(answer, dict) or key not in answer:
            return False
        answer = answer[key]
    return True


def _is_aws_error(code: str) -> bool:
    # Unparseable bodies come back as ClientError with a bare status code ("404", "200").
    return bool(code) and not code.isdigit()


def _describe(exc: BotoCoreError) -> str:
    name = type(exc).__name__
    if "Connect" in name and "Timeout" not in name:
        return "does not answer (connection refused or host unreachable)"
    if "Timeout" in name:
        return "did not answer in time"
    return f"failed: {exc}"


def _failure(service: str, url: str, problem: str) -> HarnessError:
    return HarnessError(f"endpoint for {service} at {url} {problem}")
