"""Media untouched for 180 days is archived to Glacier by the media bucket's lifecycle rule, run
on the stack clock: a cover uploaded today is GLACIER after `clock.advance("181d")`, the edge
answers 403 for it (S3 GetObject: InvalidObjectState, 403, "The operation is not valid for the
object's storage class"), and RestoreObject brings it back for the requested days.
(S3 User Guide: lifecycle-transition-general-considerations: objects under 128 KB are not
transitioned by default, so the cover is 130 KB; restoring-objects.)"""

import httpx
import pytest
from botocore.exceptions import ClientError

from harness.plumbing.waiting import NotYet, wait_until
from harness.testkit.images import png

# It moves the clock under every other test on the stack; its tests share one clock, put back
# once after the last (each putting-back replaces the API tasks). Nothing here reads the API
# tasks' time after a move (the edge reads S3 itself), so a move does not wait for them.
pytestmark = [pytest.mark.breaks_stack, pytest.mark.stack_clock_per_module]

COVER = png(24, 32)
COVER += b"\0" * (130 * 1024 - len(COVER))  # past the 128 KB default transition minimum


def upload_cover(api: httpx.Client) -> str:
    answer = api.post("/api/media/uploads", json={"content_type": "image/png", "size": len(COVER)})
    assert answer.status_code == 201, answer.text
    upload = answer.json()
    put = httpx.put(
        upload["upload"]["url"], content=COVER, headers=upload["upload"]["headers"], timeout=15
    )
    assert put.status_code == 200, put.text
    return upload["key"]


def storage_class(s3, bucket: str, key: str) -> str:
    return s3.head_object(Bucket=bucket, Key=key).get("StorageClass", "STANDARD")


def wait_for_class(s3, bucket: str, key: str, wanted: str) -> None:
    def check() -> bool:
        seen = storage_class(s3, bucket, key)
        if seen != wanted:
            raise NotYet(f"{key} is {seen}")
        return True

    wait_until(check, what=f"lifecycle making {key} {wanted}", timeout=30)


def wait_for_edge(edge: httpx.Client, path: str, status: int) -> httpx.Response:
    answers = []

    def check() -> bool:
        answers.append(edge.get(path))
        if answers[-1].status_code != status:
            raise NotYet(f"{path} answered {answers[-1].status_code}")
        return True

    wait_until(check, what=f"the edge answering {status} for {path}", timeout=30)
    return answers[-1]


def test_a_cover_is_archived_after_181_days_and_restored(clock, stack, aws, api, make_api):
    s3, bucket = aws.s3, stack.record.media_bucket
    key = upload_cover(api)
    edge = make_api()
    assert edge.get(f"/{key}").status_code == 200

    clock.advance("181d", tasks_follow=False)

    wait_for_class(s3, bucket, key, "GLACIER")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=key)["Contents"]
    assert [o["StorageClass"] for o in listed] == ["GLACIER"]
    archived = wait_for_edge(edge, f"/{key}", 403)  # its cached copy is 181 days old
    assert "InvalidObjectState" in archived.text
    with pytest.raises(ClientError, match="InvalidObjectState"):
        s3.get_object(Bucket=bucket, Key=key)

    s3.restore_object(Bucket=bucket, Key=key, RestoreRequest={"Days": 2})
    # Past the edge's 10 s error caching (ErrorCachingMinTTL).
    clock.advance("1h", tasks_follow=False)

    restored = wait_for_edge(edge, f"/{key}", 200)
    assert restored.content == COVER
    assert storage_class(s3, bucket, key) == "GLACIER"  # a restore is a temporary copy


def test_a_rule_on_another_prefix_archives_nothing(clock, stack, aws, api):
    s3, bucket = aws.s3, stack.record.media_bucket
    s3.put_object(Bucket=bucket, Key="elsewhere/cover.png", Body=COVER)
    advanced = clock.now() + 181 * 86400
    clock.advance("181d", tasks_follow=False)

    def another_pass() -> bool:
        began = stack.describe()["components"]["s3_lifecycle"]["last_pass_began"]
        if began is None or began < advanced:
            raise NotYet(f"the latest lifecycle pass began at {began}, before the advance")
        return True

    wait_until(another_pass, what="a lifecycle pass after the advance", timeout=30)
    assert storage_class(s3, bucket, "elsewhere/cover.png") == "STANDARD"
