"""The embedded emulator's moto server: moto's package listing, which routes each request, is
read once and answers as moto's own listing does."""

from moto import backends

from harness.control_plane.backends import moto_server


def test_the_listing_that_routes_requests_is_read_once_and_unchanged():
    listed_by_moto = sorted(backends.list_of_moto_modules())
    moto_server._listed_once()
    moto_server._listed_once()  # idempotent
    assert backends.list_of_moto_modules.listed_once
    assert sorted(backends.list_of_moto_modules()) == listed_by_moto
    assert {"dynamodb", "s3", "ecs", "cognitoidp"} <= set(listed_by_moto)


def test_a_response_class_method_names_are_listed_once_and_still_found():
    from moto.core import responses

    class Handler:
        def describe_things(self):
            pass

    moto_server._action_names_listed_once()
    moto_server._action_names_listed_once()  # idempotent
    names = responses.method_names_from_class(Handler)
    assert names is responses.method_names_from_class(Handler)
    assert "describe_things" in names
    assert "list_things" not in names
    Handler.list_things = lambda self: None  # a method added later (as harness patches do)
    assert "list_things" in names


def test_a_names_conversion_is_kept_and_the_same_as_motos():
    from moto.core import utils
    from moto.sqs import models as sqs_models

    names = ["VisibilityTimeout", "ApproximateNumberOfMessages", "KmsMasterKeyId", "SQSQueue"]
    moto_server._names_converted_once()
    moto_server._names_converted_once()  # idempotent
    converted = utils.camelcase_to_underscores
    assert converted.converted_once
    assert sqs_models.camelcase_to_underscores is converted
    assert [converted(n) for n in names] == [converted.__wrapped__(n) for n in names]
    assert converted("VisibilityTimeout") == "visibility_timeout"
    assert converted("") == ""
    assert converted.__wrapped__.__module__ == "moto.core.utils"
