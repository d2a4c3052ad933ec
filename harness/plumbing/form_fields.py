"""The fields an AWS query-protocol request's form names (its Action, an SNS call's TopicArn),
found without decoding the whole form: what `parse_qs(form)` answers for them (each name's
first non-blank value), but a Publish's form is mostly its URL-encoded Message, which
parse_qs decoded only to be thrown away. The emulator log, the AWS fault proxy and the IAM gate
read every task call's operation this way (#14)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_plus


def _decoded(text: str) -> str:
    return unquote_plus(text) if "%" in text or "+" in text else text


def form_fields(form: str, names: frozenset[str]) -> dict[str, str]:
    """Each of `names` the application/x-www-form-urlencoded `form` gives a non-blank value,
    with its first such value, decoded."""
    found: dict[str, str] = {}
    for pair in form.split("&"):
        name, equals, value = pair.partition("=")
        if equals and value:
            name = _decoded(name)
            if name in names and name not in found:
                found[name] = _decoded(value)
                if len(found) == len(names):
                    break
    return found


def form_pairs(form: str, wanted: Callable[[str], bool]) -> list[tuple[str, str]]:
    """`parse_qsl(form)`'s pairs whose decoded name `wanted` accepts, in their order."""
    pairs = []
    for pair in form.split("&"):
        name, equals, value = pair.partition("=")
        if equals and value:
            name = _decoded(name)
            if wanted(name):
                pairs.append((name, _decoded(value)))
    return pairs


ACTION = frozenset({"Action"})


def form_action(form: str) -> str | None:
    """The form's Action, or None."""
    return form_fields(form, ACTION).get("Action")
