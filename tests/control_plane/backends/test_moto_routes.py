"""moto_routes: moto's REST routing maps match as before and build their URL builders only
when one is called."""

from __future__ import annotations

import pytest
from moto.core.request import Request
from moto.core.routing import RestRouter
from moto.core.utils import get_service_model
from werkzeug.routing import Map, Rule

from harness.control_plane.backends import moto_routes


@pytest.fixture
def generated(monkeypatch) -> list[str]:
    """The names of the URL builders werkzeug generates (compiles and executes) from now on."""
    names: list[str] = []
    real = Rule._get_func_code

    def counted(code, name):
        names.append(name)
        return real(code, name)

    monkeypatch.setattr(Rule, "_get_func_code", staticmethod(counted))
    return names


def _operation(router: RestRouter, method: str, path: str) -> tuple[str, dict]:
    request = Request.from_primitives(method, f"http://127.0.0.1:5000{path}", {}, b"")
    operation, params = router.match(request)
    return operation.name, params


def test_cloudfront_routes_match_and_no_builder_is_generated_until_one_is_used(generated):
    moto_routes.install()
    moto_routes.install()  # twice is once

    router = RestRouter(get_service_model("cloudfront"))

    assert generated == []  # 164 rules: 328 builders generated without install()
    assert _operation(router, "GET", "/2020-05-31/distribution/E1ABC") == (
        "GetDistribution",
        {"Id": "E1ABC"},
    )
    assert _operation(router, "POST", "/2020-05-31/distribution/E1ABC/invalidation") == (
        "CreateInvalidation",
        {"DistributionId": "E1ABC"},
    )
    assert generated == []


def test_a_rule_builds_the_url_werkzeug_builds_once_asked(generated):
    moto_routes.install()
    router = RestRouter(get_service_model("cloudfront"))
    rule = next(
        r for r in router._map.iter_rules() if r.rule.endswith("/<DistributionId>/invalidation")
    )
    plain = Rule(rule.rule)
    Map([plain])  # binds it: werkzeug's own builders, generated now
    values = {name: "a b/c" for name in rule.arguments}

    generated.clear()
    built = rule.build(values)

    assert built == plain.build(values)
    assert built[1].startswith("/2020-05-31/distribution/a%20b")
    assert generated  # made on that first use
    generated.clear()
    assert rule.build(values) == built
    assert generated == []  # and kept
