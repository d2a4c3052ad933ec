"""A small request validator whose schemas also describe themselves as JSON Schema."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from starlette.requests import ClientDisconnect, Request

from api.errors import ApiError, validation_error

MAX_BODY_BYTES = 64 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BUT_WHITESPACE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MISSING = object()


class Field:
    nullable: bool = False

    def check(self, value: object, name: str) -> object:
        raise NotImplementedError

    def json_schema(self) -> dict:
        raise NotImplementedError


def _nullable(schema: dict, nullable: bool) -> dict:
    if nullable:
        schema["type"] = [schema["type"], "null"]
    return schema


@dataclass(frozen=True)
class String(Field):
    min_length: int = 0
    max_length: int = 200
    pattern: str | None = None
    choices: tuple[str, ...] = ()
    multiline: bool = False
    nullable: bool = False
    description: str = ""

    def check(self, value: object, name: str) -> str:
        if not isinstance(value, str):
            raise validation_error(name, "must be a string")
        if len(value) < self.min_length:
            raise validation_error(name, f"must be at least {self.min_length} characters")
        if len(value) > self.max_length:
            raise validation_error(name, f"must be at most {self.max_length} characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise validation_error(name, "must be valid Unicode text") from None
        control = _CONTROL_BUT_WHITESPACE if self.multiline else _CONTROL
        if control.search(value):
            raise validation_error(name, "must not contain control characters")
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise validation_error(name, "has an invalid format")
        if self.choices and value not in self.choices:
            raise validation_error(name, "must be one of " + ", ".join(self.choices))
        if self.min_length and not value.strip():
            raise validation_error(name, "must not be blank")
        return value

    def json_schema(self) -> dict:
        schema = {"type": "string", "minLength": self.min_length, "maxLength": self.max_length}
        if self.pattern:
            schema["pattern"] = f"^(?:{self.pattern})$"
        if self.choices:
            schema["enum"] = list(self.choices)
        if self.description:
            schema["description"] = self.description
        return _nullable(schema, self.nullable)


@dataclass(frozen=True)
class Integer(Field):
    minimum: int
    maximum: int
    nullable: bool = False

    def check(self, value: object, name: str) -> int:
        # bool is an int in Python but not in JSON.
        if not isinstance(value, int) or isinstance(value, bool):
            raise validation_error(name, "must be an integer")
        if not self.minimum <= value <= self.maximum:
            raise validation_error(name, f"must be from {self.minimum} to {self.maximum}")
        return value

    def json_schema(self) -> dict:
        schema = {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}
        return _nullable(schema, self.nullable)


@dataclass(frozen=True)
class StringList(Field):
    item: String
    min_items: int = 0
    max_items: int = 10
    nullable: bool = False

    def check(self, value: object, name: str) -> list[str]:
        if not isinstance(value, list):
            raise validation_error(name, "must be an array of strings")
        if not self.min_items <= len(value) <= self.max_items:
            raise validation_error(
                name, f"must have from {self.min_items} to {self.max_items} items"
            )
        items = [self.item.check(v, f"{name}[{i}]") for i, v in enumerate(value)]
        if len(set(items)) != len(items):
            raise validation_error(name, "must not repeat an item")
        return items

    def json_schema(self) -> dict:
        schema = {
            "type": "array",
            "items": self.item.json_schema(),
            "minItems": self.min_items,
            "maxItems": self.max_items,
            "uniqueItems": True,
        }
        return _nullable(schema, self.nullable)


@dataclass(frozen=True)
class HttpUrl(String):
    max_length: int = 2048

    def check(self, value: object, name: str) -> str:
        text = super().check(value, name)
        try:
            parts = urlsplit(text)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            raise validation_error(name, "must be an http(s) URL") from None
        if parts.scheme not in ("http", "https") or not parts.hostname or " " in text:
            raise validation_error(name, "must be an http(s) URL")
        return text

    def json_schema(self) -> dict:
        schema = super().json_schema()
        schema["format"] = "uri"
        return schema


@dataclass(frozen=True)
class Object:
    fields: dict[str, Field]
    required: frozenset[str] = field(default_factory=frozenset)

    def validate(self, data: dict, *, partial: bool = False) -> dict:
        """Checked values by field name; with `partial`, only what was given, at least one."""
        for name in data:
            if name not in self.fields:
                raise validation_error(_printable(name), "is not a known field")
        result = {}
        for name, spec in self.fields.items():
            value = data.get(name, _MISSING)
            if value is _MISSING:
                if name in self.required and not partial:
                    raise validation_error(name, "is required")
                continue
            if value is None:
                if not spec.nullable:
                    raise validation_error(name, "must not be null")
                result[name] = None
            else:
                result[name] = spec.check(value, name)
        if partial and not result:
            raise validation_error("body", "must set at least one field")
        return result

    def json_schema(self, *, partial: bool = False) -> dict:
        schema = {
            "type": "object",
            "additionalProperties": False,
            "properties": {name: spec.json_schema() for name, spec in self.fields.items()},
        }
        if partial:
            schema["minProperties"] = 1
        elif self.required:
            schema["required"] = sorted(self.required)
        return schema


def _printable(name: str) -> str:
    return _CONTROL.sub("?", name)[:64].encode("utf-8", "replace").decode("utf-8")


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


async def read_json_object(request: Request, limit: int = MAX_BODY_BYTES) -> dict:
    """The request body as a JSON object, refusing bodies over `limit` bytes (413)."""
    content_type = request.headers.get("content-type", "application/json")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise ApiError(415, "unsupported_media_type", "send application/json", field="body")
    too_large = ApiError(
        413, "payload_too_large", f"body must be at most {limit} bytes", field="body"
    )
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise too_large
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
    except ClientDisconnect:
        raise ApiError(400, "bad_request", "client went away", field="body") from None
    try:
        data = json.loads(b"".join(chunks), parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise validation_error("body", "must be valid JSON", status=400) from None
    if not isinstance(data, dict):
        raise validation_error("body", "must be a JSON object", status=400)
    return data
