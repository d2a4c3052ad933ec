"""Deploy web_stub/ to the web bucket the way a pipeline would.

Scripts and stylesheets go up under fingerprinted names (`assets/app.3f2a1c9e.js`) with a year
of immutable caching; index.html names them, and an import map sends each module's plain
specifier to its fingerprinted copy, so the modules themselves need no rewriting. index.html
and config.json change in place: they carry `Cache-Control: no-cache` and are the paths the
deploy invalidates, last, once everything they point at is in the bucket.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from harness.plumbing.invalidation import invalidate
from harness.plumbing.local_ca import trusting
from harness.plumbing.waiting import NotYet, wait_until
from harness.types import StackView

WEB_STUB = Path(__file__).resolve().parents[2] / "web_stub"
INDEX = "index.html"
CONFIG = "config.json"
IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"
FINGERPRINTED = (".js", ".css")
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
_MODULE_SCRIPT = re.compile(r'(\s*)<script type="module"')


@dataclass
class WebDeployment:
    version: str
    bucket: str
    objects: dict[str, str] = field(default_factory=dict)  # key -> Cache-Control
    asset_names: dict[str, str] = field(default_factory=dict)  # /assets/app.js -> fingerprinted
    invalidation_id: str | None = None
    invalidated_paths: tuple[str, ...] = ()
    seconds: float = 0.0


def content_type(path: str) -> str:
    suffix = Path(path).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def fingerprinted(key: str, body: bytes) -> str:
    digest = hashlib.sha256(body).hexdigest()[:8]
    stem, dot, suffix = key.rpartition(".")
    return f"{stem}.{digest}.{suffix}" if dot else f"{key}.{digest}"


def rewrite_index(html: str, asset_names: dict[str, str]) -> str:
    """Point index.html at the fingerprinted files and map every module's URL to its copy."""
    for plain, hashed in sorted(asset_names.items(), key=lambda kv: -len(kv[0])):
        html = html.replace(f'"{plain}"', f'"{hashed}"')
    modules = {plain: hashed for plain, hashed in asset_names.items() if plain.endswith(".js")}
    if modules:
        import_map = json.dumps({"imports": dict(sorted(modules.items()))}, indent=2)
        html, count = _MODULE_SCRIPT.subn(
            lambda m: (
                f'{m.group(1)}<script type="importmap">\n{import_map}\n</script>'
                f'{m.group(1)}<script type="module"'
            ),
            html,
            count=1,
        )
        if count == 0:
            raise ValueError(
                'index.html has no <script type="module"> to put the import map before'
            )
    return html


def site_config(stack: StackView, version: str) -> dict:
    """config.json: where the browser finds Cognito, the API and the fan's push endpoint."""
    record = stack.record
    cognito = (
        stack.endpoints.url("cognito-idp") or f"https://cognito-idp.{record.region}.amazonaws.com"
    )
    sink = stack.push_sink
    return {
        "cognito": {
            "endpoint": cognito.rstrip("/") + "/",
            "region": record.region,
            "userPoolId": record.user_pool_id,
            "clientId": record.user_pool_client_id,
        },
        "apiBase": "/api",
        "pushSinkUrl": sink.url if sink is not None else None,
        "version": version,
    }


def _source_files(source_dir: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(source_dir.rglob("*")):
        relative = path.relative_to(source_dir).as_posix()
        if path.is_file() and not any(part.startswith(".") for part in relative.split("/")):
            files[relative] = path.read_bytes()
    if INDEX not in files:
        raise FileNotFoundError(f"{source_dir} has no {INDEX}")
    return files


def build(files: dict[str, bytes], config: dict) -> tuple[dict[str, tuple[bytes, str]], dict]:
    """The objects to upload (key -> body, Cache-Control) and the asset renames."""
    objects: dict[str, tuple[bytes, str]] = {}
    asset_names: dict[str, str] = {}
    for key, body in files.items():
        if key == INDEX:
            continue
        if key.endswith(FINGERPRINTED):
            hashed = fingerprinted(key, body)
            asset_names[f"/{key}"] = f"/{hashed}"
            objects[hashed] = (body, IMMUTABLE)
        else:
            objects[key] = (body, NO_CACHE)
    objects[CONFIG] = (json.dumps(config, indent=2).encode(), NO_CACHE)
    index = rewrite_index(files[INDEX].decode("utf-8"), asset_names)
    objects[INDEX] = (index.encode("utf-8"), NO_CACHE)
    return objects, asset_names


def deploy_web_stub(
    stack: StackView,
    *,
    version: str | None = None,
    source_dir: Path | None = None,
    wait_for_edge: float = 10.0,
) -> WebDeployment:
    """Upload, then invalidate what changed in place, then (if the edge is known) wait until
    the edge serves the new config.json."""
    deployment = upload_web_stub(stack, version=version, source_dir=source_dir)
    return publish(stack, deployment, wait_for_edge=wait_for_edge)


def _client(stack: StackView, service: str, internal: bool):
    """`internal`: a stack's own start deploying, with the clients of its parts (in-process on
    the embedded backend); else a deploy a user or a test runs, on sockets."""
    if internal:
        return stack.endpoints.internal_client(service)
    return stack.endpoints.client(service)


def upload_web_stub(
    stack: StackView,
    *,
    version: str | None = None,
    source_dir: Path | None = None,
    internal: bool = False,
) -> WebDeployment:
    """A deploy's first half: every object in the bucket, nothing invalidated yet (a stack
    uploads while its edge starts, #14)."""
    began = time.monotonic()
    version = version or (stack.blueprint.version if stack.blueprint else None) or "dev"
    config = site_config(stack, version)
    objects, asset_names = build(_source_files(Path(source_dir or WEB_STUB)), config)
    bucket = stack.record.web_bucket
    s3 = _client(stack, "s3", internal)
    # Immutable assets first and index.html last: no page ever names a file not yet uploaded.
    order = sorted(objects, key=lambda k: (objects[k][1] == NO_CACHE, k == INDEX, k))
    for key in order:
        body, cache_control = objects[key]
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=body,
            ContentType=content_type(key),
            CacheControl=cache_control,
        )
    in_place = [k for k in order if objects[k][1] == NO_CACHE]
    return WebDeployment(
        version=version,
        bucket=bucket,
        objects={k: objects[k][1] for k in order},
        asset_names=asset_names,
        invalidated_paths=("/", *(f"/{k}" for k in in_place)),
        seconds=time.monotonic() - began,
    )


def publish(
    stack: StackView,
    deployment: WebDeployment,
    *,
    wait_for_edge: float = 10.0,
    internal: bool = False,
) -> WebDeployment:
    """A deploy's second half: invalidate what changed in place and (if the edge is known)
    wait until the edge serves the new config.json."""
    began = time.monotonic()
    cloudfront = _client(stack, "cloudfront", internal)
    applied_before = invalidations_applied(stack)
    deployment.invalidation_id = invalidate(
        cloudfront,
        stack.record.distribution_id,
        deployment.invalidated_paths,
        origin=f"web-{deployment.version}",
    )
    edge_url = stack.edge_url
    if edge_url and wait_for_edge:
        if stack.edge is not None:
            stack.edge.poll_now()
        wait_until_applied(stack, applied_before, wait_for_edge)
        wait_until_served(edge_url, deployment.version, wait_for_edge, trusting(stack.edge_ca))
    deployment.seconds += time.monotonic() - began
    return deployment


def invalidations_applied(stack: StackView) -> int | None:
    """How many invalidations the harness's edge has applied, where the stack reports it."""
    edge = stack.edge
    try:
        health = edge.health() if edge is not None else stack.describe()["components"]["edge"]
        return int(health["invalidations_applied"])
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


def wait_until_applied(stack: StackView, before: int | None, timeout: float) -> None:
    """Like `aws cloudfront wait invalidation-completed`: the emulator cannot say when the
    harness's edge has purged, so ask the edge. (An unchanged no-cache file can look fresh
    for the min TTL, so config.json alone does not prove the purge.)"""
    if before is None:
        return
    wait_until(
        lambda: (invalidations_applied(stack) or 0) > before,
        what="the edge to apply the invalidation",
        timeout=timeout,
    )


def wait_until_served(edge_url: str, version: str, timeout: float, verify=True) -> None:
    """The pipeline's smoke check: the edge answers config.json with the deployed version."""
    with httpx.Client(base_url=edge_url, timeout=5, trust_env=False, verify=verify) as http:

        def serves_version() -> bool:
            response = http.get(f"/{CONFIG}")
            seen = response.json().get("version") if response.status_code == 200 else None
            if seen != version:
                raise NotYet(f"it serves {seen!r}")
            return True

        wait_until(
            serves_version,
            what=f"the edge to serve web version {version!r} after the invalidation",
            timeout=timeout,
            interval=0.1,
            transient=(NotYet, httpx.HTTPError, ValueError),
        )
