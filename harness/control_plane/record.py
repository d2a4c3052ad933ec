"""What provisioning made: the names, ids and ARNs the rest of the harness reads."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path


@dataclass(frozen=True)
class StackRecord:
    region: str
    web_bucket: str
    media_bucket: str
    anime_table: str
    anime_feed_index: str
    users_table: str
    user_pool_id: str
    user_pool_client_id: str
    topic_arn: str
    queue_url: str
    queue_arn: str
    vpc_id: str
    subnet_ids: tuple[str, ...]
    security_group_id: str
    cluster: str
    task_definition_arn: str
    service: str
    load_balancer_arn: str
    load_balancer_dns: str
    listener_arn: str
    target_group_arn: str
    distribution_id: str
    distribution_domain: str

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> StackRecord:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["subnet_ids"] = tuple(values.get("subnet_ids", ()))
        return cls(**values)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=2))
