import inspect
import re

import pytest

from harness.data_plane.alb import LoadBalancer
from harness.data_plane.cognito import CognitoFront
from harness.data_plane.ecs import EcsAgent
from harness.data_plane.edge import Edge
from harness.data_plane.mail_sink import MailSink, MailSinkClient
from harness.data_plane.push_sink import PushSink, PushSinkClient
from harness.lifecycle.attached_stack import AttachedStack
from harness.lifecycle.stack import Stack
from harness.types import Part, StackView


def _members(protocol) -> set[str]:
    names = {n for n in vars(protocol) if not n.startswith("_") or n in ("__enter__", "__exit__")}
    names |= set(getattr(protocol, "__annotations__", {}))
    return names - {"__module__", "__doc__", "__dict__", "__weakref__"}


@pytest.mark.parametrize("part", [Edge, LoadBalancer, EcsAgent, PushSink, MailSink, CognitoFront])
def test_every_data_plane_part_has_the_part_shape(part):
    missing = {n for n in _members(Part) if not hasattr(part, n)}
    assert missing == set()
    assert inspect.signature(part.start).return_annotation in (part.__name__, part)


@pytest.mark.parametrize("view", [Stack, AttachedStack])
def test_both_stacks_offer_the_stack_view(view):
    # Instance attributes are set in __init__: read them from its source, not an instance.
    source = inspect.getsource(view)
    missing = {
        n
        for n in _members(StackView)
        if not hasattr(view, n) and not re.search(rf"self\.{n}\b\s*[:=]", source)
    }
    assert missing == set()


def test_the_push_sink_client_reads_what_the_push_sink_offers():
    for name in ("device_url", "notifications", "health", "wait_for", "wait_confirmed"):
        assert hasattr(PushSinkClient, name) and hasattr(PushSink, name)


def test_the_mail_sink_client_reads_what_the_mail_sink_offers():
    for name in ("messages", "health", "wait_for"):
        assert hasattr(MailSinkClient, name) and hasattr(MailSink, name)
