"""The AnimeHub stack, described once. Provisioning applies it; everything else reads the record
that provisioning returns, so no other module spells a resource name."""

from __future__ import annotations

from dataclasses import dataclass, field

from harness import __version__

ACCOUNT_ID_FOR_EMULATORS = "123456789012"

# Managed CloudFront policies, by their fixed AWS ids.
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


@dataclass(frozen=True)
class HealthCheck:
    path: str = "/api/health"
    interval_seconds: int = 5
    timeout_seconds: int = 2
    healthy_threshold: int = 2
    unhealthy_threshold: int = 2
    success_codes: str = "200"


@dataclass(frozen=True)
class Behaviour:
    path_pattern: str  # "*" for the default behaviour
    origin: str  # "web", "media" or "api"
    cache_policy_id: str
    origin_request_policy_id: str | None = None
    all_methods: bool = False


@dataclass(frozen=True)
class Blueprint:
    name: str = "animehub"
    region: str = "us-east-1"
    version: str = __version__

    # S3
    media_archive_after_days: int = 180

    # DynamoDB
    anime_feed_index: str = "feed-by-shared-at"

    # Cognito
    password_min_length: int = 8

    # SNS / SQS
    shared_topic_suffix: str = "anime-shared"

    # VPC: the ALB in public subnets (routed to an internet gateway), the tasks in private ones
    # that reach AWS only through VPC endpoints, so no NAT gateway is needed.
    vpc_cidr: str = "10.42.0.0/16"
    public_subnet_cidrs: tuple[str, ...] = ("10.42.101.0/24", "10.42.102.0/24")
    private_subnet_cidrs: tuple[str, ...] = ("10.42.1.0/24", "10.42.2.0/24")
    availability_zones: tuple[str, ...] = ("a", "b")
    gateway_endpoint_services: tuple[str, ...] = ("s3", "dynamodb")
    # What the tasks call besides S3 and DynamoDB: SNS, the JWKS of the user pool, and what
    # Fargate needs to start them (image pull from ECR, awslogs).
    interface_endpoint_services: tuple[str, ...] = (
        "sns",
        "cognito-idp",
        "ecr.api",
        "ecr.dkr",
        "logs",
    )

    # ECS
    image_repository: str = "animehub-api"
    container_port: int = 8080
    cpu: str = "256"
    memory: str = "512"
    desired_count: int = 2
    log_retention_days: int = 30

    # ALB
    listener_port: int = 80
    health_check: HealthCheck = field(default_factory=HealthCheck)
    deregistration_delay_seconds: int = 5
    idle_timeout_seconds: int = 60

    # CloudWatch: an alarm on the API's 5xx answers, notifying an SNS topic
    alerts_topic_suffix: str = "alerts"
    api_5xx_threshold: int = 5  # 5xx answers in one minute

    # Application Auto Scaling: the service's desired count between min and max, tracking
    # ALBRequestCountPerTarget (requests per target per minute) on the API's target group.
    min_capacity: int = 2
    max_capacity: int = 6
    requests_per_target: float = 100.0
    scale_out_cooldown_seconds: int = 60
    scale_in_cooldown_seconds: int = 300  # ECS's default for both cooldowns

    # CloudFront
    behaviours: tuple[Behaviour, ...] = (
        Behaviour("/api/*", "api", CACHING_DISABLED, ALL_VIEWER_EXCEPT_HOST_HEADER, True),
        Behaviour("/media/*", "media", CACHING_OPTIMIZED),
        Behaviour("*", "web", CACHING_OPTIMIZED),
    )
    default_root_object: str = "index.html"
    # Every behaviour redirects HTTP to HTTPS; the alias is `alternate_domain_name` below.
    viewer_protocol_policy: str = "redirect-to-https"
    # SPA deep links are routed by a CloudFront function on the default behaviour (viewer
    # request), not by a custom error response: those apply to every behaviour, /api/* too,
    # and turned the API's own 404 into the app's HTML page.
    spa_function_suffix: str = "spa-routing"
    # Origins whose bucket policy also grants CloudFront s3:ListBucket; missing media stays 403.
    listable_origins: tuple[str, ...] = ("web",)

    # Names, derived so that one prefix changes them all.
    @property
    def alternate_domain_name(self) -> str:
        """The distribution's alias, served over HTTPS with an ACM certificate for it.
        `.localhost` never resolves off this machine (RFC 6761); browsers map it to loopback."""
        return f"{self.name}.localhost"

    @property
    def spa_function(self) -> str:
        return f"{self.name}-{self.spa_function_suffix}"

    @property
    def web_bucket(self) -> str:
        return f"{self.name}-web"

    @property
    def media_bucket(self) -> str:
        return f"{self.name}-media"

    @property
    def anime_table(self) -> str:
        return f"{self.name}-anime"

    @property
    def users_table(self) -> str:
        return f"{self.name}-users"

    @property
    def user_pool(self) -> str:
        return f"{self.name}-fans"

    @property
    def app_client(self) -> str:
        return f"{self.name}-web"

    @property
    def shared_topic(self) -> str:
        return f"{self.name}-{self.shared_topic_suffix}"

    @property
    def queue(self) -> str:
        return f"{self.name}-shares"

    @property
    def cluster(self) -> str:
        return self.name

    @property
    def task_family(self) -> str:
        return f"{self.name}-api"

    @property
    def container_name(self) -> str:
        return "api"

    @property
    def service(self) -> str:
        return f"{self.name}-api"

    @property
    def load_balancer(self) -> str:
        return f"{self.name}-alb"

    @property
    def target_group(self) -> str:
        return f"{self.name}-api"

    @property
    def security_group(self) -> str:
        return f"{self.name}-api"

    @property
    def load_balancer_security_group(self) -> str:
        return f"{self.name}-alb"

    @property
    def endpoint_security_group(self) -> str:
        return f"{self.name}-endpoints"

    @property
    def vpc(self) -> str:
        return f"{self.name}-vpc"

    @property
    def log_group(self) -> str:
        return f"/ecs/{self.name}-api"

    @property
    def execution_role(self) -> str:
        return f"{self.name}-api-execution"

    @property
    def task_role(self) -> str:
        return f"{self.name}-api-task"

    @property
    def origin_access_control(self) -> str:
        return f"{self.name}-s3"

    @property
    def distribution_comment(self) -> str:
        return f"{self.name} web, api and media"

    @property
    def image(self) -> str:
        registry = f"{ACCOUNT_ID_FOR_EMULATORS}.dkr.ecr.{self.region}.amazonaws.com"
        return f"{registry}/{self.image_repository}:{self.version}"

    @property
    def alerts_topic(self) -> str:
        return f"{self.name}-{self.alerts_topic_suffix}"

    @property
    def api_5xx_alarm(self) -> str:
        return f"{self.name}-api-5xx"

    @property
    def scaling_policy(self) -> str:
        return f"{self.name}-api-requests-per-target"
