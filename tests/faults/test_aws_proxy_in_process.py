"""The AWS fault proxy hands a call for a part served in this process (the embedded emulator,
the API front) over without a socket: the part's app answers, after the fault rules, with the
tasks' request as it came."""

import asyncio
import threading

import pytest
from botocore.exceptions import ClientError

from harness.faults.aws_proxy import AwsFaultProxy
from harness.faults.rules import new_fault
from harness.faults.store import FaultStore
from harness.plumbing import in_process

TOPICS = (
    '<ListTopicsResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ListTopicsResult>'
    "<Topics><member><TopicArn>arn:aws:sns:us-east-1:123456789012:in-process</TopicArn>"
    "</member></Topics></ListTopicsResult></ListTopicsResponse>"
)


def test_a_call_for_a_part_in_this_process_is_handed_over_without_a_socket(
    endpoints, unserved_url, tmp_path, client_through
):
    seen = []

    async def front(scope, receive, send):
        seen.append((scope["method"], dict(scope["headers"]), (await receive())["body"]))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": TOPICS.encode()})

    store = FaultStore(tmp_path)
    with AwsFaultProxy(endpoints.pointing(["sns"], unserved_url), store) as proxy:
        loop = asyncio.new_event_loop()  # the part's own loop, on its own thread as a server's
        runner = threading.Thread(target=loop.run_forever, daemon=True)
        runner.start()
        in_process.serve(unserved_url, in_process.asgi(front, unserved_url, loop))
        try:
            (topic,) = client_through(proxy, "sns", endpoints.region).list_topics()["Topics"]
            assert topic["TopicArn"].endswith(":in-process")
            ((method, headers, body),) = seen
            assert method == "POST" and b"Action=ListTopics" in body
            assert headers[b"authorization"].startswith(b"AWS4-HMAC-SHA256 Credential=AKID")

            store.add(new_fault("aws", "throttle", service="sns"))
            with pytest.raises(ClientError, match="Throttl"):
                client_through(proxy, "sns", endpoints.region).list_topics()
            assert len(seen) == 1  # the fault answered first
            store.clear()
        finally:
            in_process.withdraw(unserved_url)
            loop.call_soon_threadsafe(loop.stop)
            runner.join(5)
            loop.close()
        # withdrawn: the proxy tries the URL's socket, where nothing listens
        with pytest.raises(ClientError, match=r"\(502\)"):
            client_through(proxy, "sns", endpoints.region).list_topics()
        assert len(seen) == 1
