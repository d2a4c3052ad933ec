"""The aws backend: a real deployment, reached with the user's own credentials.

Nothing is started or provisioned: the StackRecord comes from the outputs of the deployment's
CloudFormation stack (`ANIMEHUB_AWS_STACK_NAME`). One output per record field, named after it in
PascalCase (see OUTPUT_KEYS): WebBucket, MediaBucket, AnimeTable, AnimeFeedIndex, UsersTable,
UserPoolId, UserPoolClientId, TopicArn, QueueUrl, QueueArn, VpcId, SubnetIds (comma-separated),
SecurityGroupId, Cluster, TaskDefinitionArn, Service, LoadBalancerArn, LoadBalancerDns,
ListenerArn, TargetGroupArn, DistributionId, DistributionDomain.
Per-service URLs (`ANIMEHUB_ENDPOINT_URLS`, e.g. VPC endpoints) are optional.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from harness.control_plane.backends.endpoint_config import parse_endpoint_urls
from harness.control_plane.backends.probe import PROBE_CONFIG
from harness.control_plane.endpoints import EndpointMap
from harness.control_plane.record import OUTPUT_KEYS, StackRecord
from harness.errors import ConfigError, HarnessError


class AwsBackend:
    name = "aws"

    def __init__(self, region: str, stack_name: str, per_service: dict[str, str] | None = None):
        self.region = region
        self.stack_name = stack_name
        self.per_service = dict(per_service or {})
        self.account: str | None = None
        self.endpoints: EndpointMap | None = None
        self._running = False

    @classmethod
    def from_settings(cls, settings) -> AwsBackend:
        if not settings.aws_stack_name:
            raise ConfigError(
                settings.name_of("backend"),
                "the aws backend needs the CloudFormation stack name of the deployment: "
                "--aws-stack-name (ANIMEHUB_AWS_STACK_NAME)",
            )
        per_service = parse_endpoint_urls(
            settings.endpoint_urls or "", settings.name_of("endpoint_urls")
        )
        return cls(settings.region, settings.aws_stack_name, per_service)

    def start(self) -> AwsBackend:
        endpoints = EndpointMap(
            default=None,
            region=self.region,
            per_service=self.per_service,
            uses_real_credentials=True,
        )
        try:
            identity = endpoints.client("sts", config=PROBE_CONFIG).get_caller_identity()
        except NoCredentialsError:
            raise HarnessError(
                "aws backend: no AWS credentials found (set AWS_PROFILE, or run aws sso login)"
            ) from None
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            raise HarnessError(f"aws backend: the credentials were refused ({code})") from None
        except BotoCoreError as exc:
            raise HarnessError(f"aws backend: STS does not answer ({exc})") from None
        self.account = identity["Account"]
        self.endpoints = endpoints
        self._running = True
        return self

    def discover(self) -> StackRecord:
        """The record of the deployed stack, read from its CloudFormation outputs."""
        if self.endpoints is None:
            raise HarnessError("aws backend: start() before discover()")
        cloudformation = self.endpoints.client("cloudformation")
        try:
            stack = cloudformation.describe_stacks(StackName=self.stack_name)["Stacks"][0]
        except ClientError as exc:
            message = exc.response.get("Error", {}).get("Message", "")
            raise HarnessError(
                f"aws backend: stack {self.stack_name!r} in {self.region}: {message}"
            ) from None
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        missing = [key for key in OUTPUT_KEYS.values() if key not in outputs]
        if missing:
            raise HarnessError(
                f"aws backend: stack {self.stack_name!r} lacks outputs {', '.join(missing)}"
            )
        values = {name: outputs[key] for name, key in OUTPUT_KEYS.items()}
        values["subnet_ids"] = tuple(s.strip() for s in values["subnet_ids"].split(",") if s)
        return StackRecord(region=self.region, **values)

    def stop(self) -> None:
        self._running = False  # nothing of ours runs: the deployment is not the harness's

    def health(self) -> dict:
        return {
            "backend": self.name,
            "running": self._running,
            "endpoints": self.endpoints.describe() if self.endpoints else {},
            "account": self.account,
            "stack": self.stack_name,
        }
