"""Provisioning the blueprint two ways on the embedded emulator: through boto3 (what the harness
does) and through the emulator's CloudFormation with the rendered template. Prints the times
and which of the template's resource types the emulator's CloudFormation cannot create (a path
that skips resources is not faithful). Prints figures; it is not a test.

    .venv/bin/python benchmarks/provision_paths.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from moto.cloudformation.parsing import NULL_MODELS, get_model_map

from harness.control_plane.backends.embedded import EmbeddedBackend
from harness.control_plane.blueprint import Blueprint
from harness.control_plane.cloudformation import render_template, template_yaml
from harness.control_plane.provision import provision


def unsupported_types(template: dict) -> list[str]:
    supported = set(get_model_map()) | set(NULL_MODELS)
    return sorted({r["Type"] for r in template["Resources"].values()} - supported)


def through_boto3(run: int) -> float:
    backend = EmbeddedBackend("us-east-1").start()
    try:
        began = time.perf_counter()
        provision(backend.endpoints, Blueprint(name=f"bench{run}"))
        return time.perf_counter() - began
    finally:
        backend.stop()


def _without(value, skipped: set[str]):
    """`value` with every reference to a skipped resource replaced by a placeholder."""
    if isinstance(value, dict):
        if value.get("Ref") in skipped or (value.get("Fn::GetAtt") or [None])[0] in skipped:
            return "skipped"
        return {k: _without(v, skipped) for k, v in value.items()}
    if isinstance(value, list):
        return [_without(v, skipped) for v in value]
    return value


def through_cloudformation(run: int, skip: list[str]) -> tuple[float, str]:
    """The template less the types the emulator cannot create (it answers 500 on them)."""
    template = render_template(Blueprint())
    skipped = {name for name, r in template["Resources"].items() if r["Type"] in skip}
    template["Resources"] = _without(
        {name: r for name, r in template["Resources"].items() if name not in skipped}, skipped
    )
    template["Outputs"] = {}
    import yaml

    body = yaml.safe_dump(template)
    backend = EmbeddedBackend("us-east-1").start()
    try:
        cloudformation = backend.endpoints.client("cloudformation")
        began = time.perf_counter()
        cloudformation.create_stack(
            StackName=f"bench{run}",
            TemplateBody=body,
            Parameters=[{"ParameterKey": "EnvironmentName", "ParameterValue": f"bench{run}"}],
            Capabilities=["CAPABILITY_NAMED_IAM"],
        )
        status = cloudformation.describe_stacks(StackName=f"bench{run}")["Stacks"][0]
        return time.perf_counter() - began, status["StackStatus"]
    finally:
        backend.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    skip = unsupported_types(render_template(Blueprint()))
    print(f"template: {len(template_yaml(Blueprint()).splitlines())} lines")
    print(f"types the emulator's CloudFormation cannot create: {', '.join(skip) or 'none'}")
    boto3_times = [through_boto3(run) for run in range(args.runs)]
    cfn = [through_cloudformation(run, skip) for run in range(args.runs)]
    print(
        f"boto3, whole blueprint:            median {statistics.median(boto3_times):.2f}s "
        f"({', '.join(f'{t:.2f}' for t in boto3_times)})"
    )
    print(
        f"CloudFormation, supported subset:  median {statistics.median(t for t, _ in cfn):.2f}s "
        f"({', '.join(f'{t:.2f} {s}' for t, s in cfn)})"
    )


if __name__ == "__main__":
    main()
