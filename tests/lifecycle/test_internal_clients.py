"""The stack's own parts (the ECS agent, the ALB, alarms...) reach AWS in-process on the
embedded backend (EndpointMap.internal_client), and through sockets on every other; the status
document says which."""

from harness.plumbing.waiting import wait_until


def test_the_stacks_parts_hand_their_aws_calls_over_on_the_embedded_backend(stack):
    document = stack.describe()
    embedded = document["backend"] == "embedded"
    assert document["internal_clients"]["in_process"] is embedded
    if not embedded:  # a remote emulator or AWS: sockets, nothing handed over
        assert "requests_handed_over" not in document["internal_clients"]
        return
    first = document["internal_clients"]["requests_handed_over"]
    assert first > 0  # the start's own calls (the web stub's upload at least)
    # the ALB and the ECS agent re-read their settings every few seconds
    wait_until(
        lambda: stack.describe()["internal_clients"]["requests_handed_over"] > first,
        what="a part of the stack to call AWS in-process again",
        timeout=60,
    )
