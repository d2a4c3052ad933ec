"""Plain values to DynamoDB attribute values and back, for the few types the API stores."""

from __future__ import annotations


def dump(value: object) -> dict:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list):
        return {"L": [dump(v) for v in value]}
    if isinstance(value, dict):
        return {"M": dump_item(value)}
    raise TypeError(f"cannot store {type(value).__name__}")


def dump_item(values: dict) -> dict:
    return {name: dump(value) for name, value in values.items() if value is not None}


def load(attribute: dict) -> object:
    ((kind, value),) = attribute.items()
    if kind == "S":
        return value
    if kind == "N":
        return int(value) if value.lstrip("-").isdigit() else float(value)
    if kind == "L":
        return [load(v) for v in value]
    if kind == "M":
        return load_item(value)
    if kind == "BOOL":
        return value
    if kind == "NULL":
        return None
    if kind == "SS":
        return sorted(value)
    raise TypeError(f"cannot read DynamoDB type {kind}")


def load_item(item: dict) -> dict:
    return {name: load(attribute) for name, attribute in item.items()}
