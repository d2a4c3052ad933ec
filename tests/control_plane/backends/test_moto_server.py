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
