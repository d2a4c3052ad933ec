"""moto_models: moto reads botocore's service models through one Loader, with the same result."""

from __future__ import annotations

import moto.core.utils
from moto.core import loaders

from harness.control_plane.backends import moto_models


def test_moto_reads_models_through_one_loader_and_gets_what_a_fresh_one_reads():
    moto_models.install()
    moto_models.install()  # twice is once

    one = moto.core.utils.create_loader()

    assert one is moto.core.utils.create_loader()
    assert isinstance(one, loaders.Loader)
    fresh = loaders.create_loader()
    assert one is not fresh
    for service in ("cloudfront", "dynamodb"):
        assert one.load_service_model(service, "service-2") == fresh.load_service_model(
            service, "service-2"
        )
    assert moto.core.utils.get_service_model("sts").operation_names
