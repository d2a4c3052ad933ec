"""Deploying the web stub: fingerprinted assets, caching headers, config.json, invalidation."""

import json
import re
from types import SimpleNamespace

import pytest

from harness.control_plane.backends.embedded import EmbeddedBackend
from harness.control_plane.blueprint import Blueprint
from harness.control_plane.provision import provision
from harness.data_plane.api_front import ApiFront
from harness.pipelines.web_deploy import (
    IMMUTABLE,
    NO_CACHE,
    WEB_STUB,
    build,
    deploy_web_stub,
    fingerprinted,
    rewrite_index,
)

# Names of our own: moto keeps one state per process, shared with other stacks in it.
BLUEPRINT = Blueprint(name="webdeploytest")


@pytest.fixture(scope="module")
def fake_stack():
    backend = EmbeddedBackend("us-east-1").start()
    front = ApiFront(backend.endpoints).start()  # CloudFront Functions as clients see them
    record = provision(front.endpoints, BLUEPRINT)
    sink = SimpleNamespace(url="http://127.0.0.1:9/sink")
    # A StackView (harness.types) with no parts in this process.
    yield SimpleNamespace(
        attached=False,
        agent=None,
        alb=None,
        edge=None,
        record=record,
        endpoints=backend.endpoints,
        push_sink=sink,
        edge_url=None,
        blueprint=BLUEPRINT,
    )
    front.stop()
    backend.stop()


def test_fingerprint_is_a_content_hash_in_the_name():
    assert re.fullmatch(r"assets/app\.[0-9a-f]{8}\.js", fingerprinted("assets/app.js", b"x"))
    assert fingerprinted("assets/app.js", b"x") != fingerprinted("assets/app.js", b"y")


def test_index_names_the_fingerprinted_files_and_maps_every_module():
    html = (
        '<link rel="stylesheet" href="/assets/styles.css">\n'
        '  <script type="module" src="/assets/app.js"></script>'
    )
    names = {
        "/assets/styles.css": "/assets/styles.1.css",
        "/assets/app.js": "/assets/app.2.js",
        "/assets/api.js": "/assets/api.3.js",
    }
    out = rewrite_index(html, names)
    assert 'href="/assets/styles.1.css"' in out
    assert 'src="/assets/app.2.js"' in out
    import_map = json.loads(re.search(r'<script type="importmap">(.*?)</script>', out, re.S)[1])
    assert import_map == {
        "imports": {"/assets/api.js": "/assets/api.3.js", "/assets/app.js": "/assets/app.2.js"}
    }
    assert out.index("importmap") < out.index('type="module"')


def test_build_of_the_real_web_stub_caches_assets_forever_and_pages_never():
    objects, names = build(
        {
            p.relative_to(WEB_STUB).as_posix(): p.read_bytes()
            for p in WEB_STUB.rglob("*")
            if p.is_file()
        },
        {"version": "1"},
    )
    assert objects["index.html"][1] == NO_CACHE
    assert objects["config.json"][1] == NO_CACHE
    assert "/assets/app.js" in names
    for plain, hashed in names.items():
        assert objects[hashed.lstrip("/")][1] == IMMUTABLE
        assert hashed.encode() in objects["index.html"][0] or plain.endswith(".js")


def test_deploy_uploads_with_headers_writes_config_and_invalidates(fake_stack):
    deployment = deploy_web_stub(fake_stack, version="7")
    s3 = fake_stack.endpoints.client("s3")
    bucket = fake_stack.record.web_bucket

    index = s3.get_object(Bucket=bucket, Key="index.html")
    assert index["CacheControl"] == NO_CACHE
    assert index["ContentType"] == "text/html; charset=utf-8"
    app_key = deployment.asset_names["/assets/app.js"].lstrip("/")
    app = s3.get_object(Bucket=bucket, Key=app_key)
    assert app["CacheControl"] == IMMUTABLE
    assert app["ContentType"].startswith("text/javascript")

    config = json.loads(s3.get_object(Bucket=bucket, Key="config.json")["Body"].read())
    assert config["version"] == "7"
    assert config["apiBase"] == "/api"
    assert config["pushSinkUrl"] == "http://127.0.0.1:9/sink"
    assert config["cognito"]["userPoolId"] == fake_stack.record.user_pool_id
    assert config["cognito"]["clientId"] == fake_stack.record.user_pool_client_id
    assert config["cognito"]["endpoint"] == fake_stack.endpoints.url("cognito-idp") + "/"

    invalidation = fake_stack.endpoints.client("cloudfront").get_invalidation(
        DistributionId=fake_stack.record.distribution_id, Id=deployment.invalidation_id
    )["Invalidation"]
    paths = invalidation["InvalidationBatch"]["Paths"]["Items"]
    assert set(paths) == {"/", "/index.html", "/config.json"}


def test_a_second_deploy_of_changed_source_changes_only_what_changed(fake_stack, tmp_path):
    first = deploy_web_stub(fake_stack, version="1")
    source = tmp_path / "web"
    source.mkdir()
    for path in WEB_STUB.rglob("*"):
        if path.is_file():
            target = source / path.relative_to(WEB_STUB)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    (source / "assets" / "styles.css").write_text("body { color: red; }\n")
    second = deploy_web_stub(fake_stack, version="2", source_dir=source)
    assert second.asset_names["/assets/styles.css"] != first.asset_names["/assets/styles.css"]
    assert second.asset_names["/assets/app.js"] == first.asset_names["/assets/app.js"]
    assert second.invalidation_id != first.invalidation_id
