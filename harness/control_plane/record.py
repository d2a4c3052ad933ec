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

    def outputs(self) -> dict[str, str]:
        """The record as the CloudFormation outputs of a real deployment name it."""
        return outputs_of(self.to_json())

    @classmethod
    def from_json(cls, data: dict) -> StackRecord:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["subnet_ids"] = tuple(values.get("subnet_ids", ()))
        return cls(**values)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=2))


# One CloudFormation output per record field, named after it in PascalCase: the aws backend reads
# them, and `harness env` exports them under the same names, so one script works against both.
OUTPUT_KEYS = {
    f.name: "".join(part.capitalize() for part in f.name.split("_"))
    for f in fields(StackRecord)
    if f.name != "region"
}


def outputs_of(resources: dict) -> dict[str, str]:
    """{output name: value} from a record's JSON; SubnetIds comma-separated, as CloudFormation."""
    values = {}
    for name, key in OUTPUT_KEYS.items():
        value = resources.get(name)
        if value is None:
            continue
        values[key] = ",".join(value) if isinstance(value, list | tuple) else str(value)
    return values
