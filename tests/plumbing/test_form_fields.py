"""form_fields answers what parse_qs answers for the names asked, on the forms that make it
differ from a plain search: an encoded name, a blank value, a name without '=', '+' for a
space, a name that is a prefix of another, a value that looks like a field."""

from urllib.parse import parse_qs, parse_qsl

import pytest

from harness.plumbing.form_fields import form_action, form_fields, form_pairs

FORMS = [
    "Action=Publish&Version=2010-03-31&Message=%7B%22a%22%3A+1%7D&TopicArn=arn%3Aaws%3Asns",
    "Version=2010-03-31&Message=Action%3DNotThis%26TopicArn%3Dx&Action=ListTopics",
    "%41ction=Encoded&Action=Plain&Topic%41rn=t1&TopicArn=t2",
    "Action=&Action=AfterABlank&TopicArn=&TopicArn=second",
    "Action&Action=AfterABareName",
    "Action=With+A+Space%21",
    "Message=only",
    "",
    "Actions=Plural&action=lower&SubscriptionArn=s&SubscriptionArn=s2",
    "Action=%E2%9C%93&Action=second",
]
NAMES = frozenset({"Action", "TopicArn", "SubscriptionArn"})


@pytest.mark.parametrize("form", FORMS)
def test_the_same_fields_as_parse_qs(form):
    expected = {k: v[0] for k, v in parse_qs(form).items() if k in NAMES}
    assert form_fields(form, NAMES) == expected
    assert form_action(form) == parse_qs(form).get("Action", [None])[0]


@pytest.mark.parametrize("form", FORMS)
def test_the_same_pairs_as_parse_qsl(form):
    def wanted(name: str) -> bool:
        return name.startswith("Act") or name == "TopicArn"

    assert form_pairs(form, wanted) == [p for p in parse_qsl(form) if wanted(p[0])]
