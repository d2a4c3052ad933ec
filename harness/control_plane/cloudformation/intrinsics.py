"""CloudFormation's intrinsic functions as plain data (the long form, which YAML and JSON share),
and the environment-scoped blueprint every template module reads names from."""

from __future__ import annotations

from dataclasses import replace

from harness.control_plane.blueprint import Blueprint

ENVIRONMENT = "EnvironmentName"
IMAGE_TAG = "ImageTag"


def ref(name: str) -> dict:
    return {"Ref": name}


def get_att(resource: str, attribute: str) -> dict:
    return {"Fn::GetAtt": [resource, attribute]}


def sub(text: str) -> dict:
    return {"Fn::Sub": text}


def join(separator: str, values: list) -> dict:
    return {"Fn::Join": [separator, values]}


def zone(index: int) -> dict:
    return {"Fn::Select": [index, {"Fn::GetAZs": ""}]}


def scoped(bp: Blueprint) -> Blueprint:
    """The blueprint whose names carry the environment (`animehub-${EnvironmentName}-web`), so
    that staging and production are two stacks of one template, side by side in one account.
    Wrap each name it gives in `sub()`."""
    return replace(bp, name=f"{bp.name}-${{{ENVIRONMENT}}}")


def tags(name) -> list[dict]:
    return [{"Key": "Name", "Value": name}]
