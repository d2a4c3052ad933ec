"""AWS's counting for lifecycle rules (S3 User Guide, lifecycle-expire-general-considerations:
"adding the number of days specified in the rule to the object creation time and rounding the
resulting time up to the next day's midnight UTC"; lifecycle-transition-general-considerations:
"objects smaller than 128 KB will not be transitioned to any storage class" by default)."""

import datetime

from harness.data_plane.s3_lifecycle.rules import Rule, action_for, due, parse_rules

UTC = datetime.UTC
KB = 1024


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def test_age_is_rounded_up_to_the_next_midnight_utc():
    # AWS's own example: created 1/15/2014 10:30 UTC, 3 days -> 1/19/2014 00:00 UTC
    assert due(at(2014, 1, 15, 10, 30), 3) == at(2014, 1, 19)


ARCHIVE = parse_rules(
    {
        "Rules": [
            {
                "ID": "archive",
                "Status": "Enabled",
                "Filter": {"Prefix": "media/"},
                "Transitions": [{"Days": 180, "StorageClass": "GLACIER"}],
            }
        ]
    }
)


JULY = at(2026, 7, 1)


def action(rules, key="media/a.png", size=200 * KB, now=JULY, **kw):
    return action_for(
        rules,
        key=key,
        size=size,
        tags=kw.get("tags", {}),
        created=kw.get("created", at(2026, 1, 1, 12)),
        storage_class=kw.get("storage_class", "STANDARD"),
        now=now,
        default_minimum=kw.get("default_minimum"),
    )


def test_transition_is_due_at_midnight_after_the_age():
    # created 2026-01-01 12:00 + 180 d = 2026-06-30 12:00 -> due 2026-07-01 00:00
    assert action(ARCHIVE, now=at(2026, 6, 30, 23, 59)) is None
    assert action(ARCHIVE, now=at(2026, 7, 1)).storage_class == "GLACIER"


def test_an_archived_object_is_not_transitioned_again():
    assert action(ARCHIVE, storage_class="GLACIER") is None


def test_wrong_prefix_archives_nothing():
    assert action(ARCHIVE, key="uploads/a.png", now=at(2027, 1, 1)) is None


def test_objects_under_128_kb_stay_by_default():
    assert action(ARCHIVE, size=128 * KB - 1, now=at(2027, 1, 1)) is None
    assert action(ARCHIVE, size=128 * KB, now=at(2027, 1, 1)) is not None
    varies = action(ARCHIVE, size=1, now=at(2027, 1, 1), default_minimum="varies_by_storage_class")
    assert varies is not None


def test_a_size_filter_replaces_the_default_minimum():
    rules = [Rule("small", True, "media/", size_greater_than=0, transitions=((1, "GLACIER"),))]
    assert action(rules, size=10).storage_class == "GLACIER"


def test_tag_filters_and_disabled_rules():
    rules = parse_rules(
        {
            "Rules": [
                {
                    "ID": "tagged",
                    "Status": "Enabled",
                    "Filter": {"And": {"Prefix": "m", "Tags": [{"Key": "k", "Value": "v"}]}},
                    "Expiration": {"Days": 1},
                },
                {"ID": "off", "Status": "Disabled", "Filter": {}, "Expiration": {"Days": 1}},
            ]
        }
    )
    assert action(rules) is None
    assert action(rules, tags={"k": "v"}).kind == "expire"
