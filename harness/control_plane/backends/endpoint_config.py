"""Where the endpoint backend's emulators are: one base URL, per-service URLs, or a small file.

Sources merge in this order, later ones winning per key: the file (`ANIMEHUB_ENDPOINT_FILE`),
the base URL (`ANIMEHUB_ENDPOINT_URL`), the per-service list (`ANIMEHUB_ENDPOINT_URLS`,
"service=url,service=url"). The file is YAML (or JSON): `default: URL` plus `service: URL` lines.
A URL may be the word `embedded`: that service goes to a moto server inside the harness.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import yaml

from harness.control_plane.endpoints import SERVICES
from harness.errors import ConfigError

EMBEDDED = "embedded"
DEFAULT_KEY = "default"
ALIASES = {"cognito": "cognito-idp", "alb": "elbv2", "elb": "elbv2", "cloudwatch-logs": "logs"}


def service_name(setting: str, raw: str) -> str:
    name = ALIASES.get(raw.strip().lower(), raw.strip().lower())
    if name not in SERVICES:
        aliases = ", ".join(f"{a} = {s}" for a, s in ALIASES.items())
        raise ConfigError(
            setting,
            f"unknown service {raw!r}; valid: {', '.join(SERVICES)} (aliases: {aliases})",
        )
    return name


def checked_url(setting: str, service: str, raw: str) -> str:
    url = raw.strip()
    if url == EMBEDDED:
        return url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(setting, f"{url!r} for {service} is not an http(s) URL or {EMBEDDED!r}")
    return url.rstrip("/")


def parse_endpoint_urls(raw: str, setting: str = "ANIMEHUB_ENDPOINT_URLS") -> dict[str, str]:
    """ "dynamodb=http://127.0.0.1:8000, cognito=embedded" -> {service: url}."""
    urls: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        name, sep, url = item.partition("=")
        if not sep or not url.strip():
            raise ConfigError(setting, f"{item!r} is not service=url")
        service = service_name(setting, name)
        urls[service] = checked_url(setting, service, url)
    return urls


def read_endpoint_file(path: Path, setting: str = "ANIMEHUB_ENDPOINT_FILE") -> dict[str, str]:
    """The file's mapping; the base URL is under the key "default"."""
    try:
        data = yaml.safe_load(Path(path).read_text())
    except OSError as exc:
        raise ConfigError(setting, f"cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(setting, f"{path} is not YAML: {exc.problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(setting, f"{path} must map service names (or 'default') to URLs")
    urls = {}
    for name, url in data.items():
        key = DEFAULT_KEY if name == DEFAULT_KEY else service_name(setting, str(name))
        urls[key] = checked_url(setting, key, str(url))
    return urls


def merged_endpoints(
    endpoint_file: Path | None,
    endpoint_url: str | None,
    endpoint_urls: str | None,
    name_of=lambda setting: "ANIMEHUB_" + setting.upper(),
) -> tuple[str | None, dict[str, str]]:
    """(base URL, per-service URLs) from every source given, later sources winning.
    `name_of(setting)` is what the user typed for it (Settings.name_of), named in errors."""
    urls = read_endpoint_file(endpoint_file, name_of("endpoint_file")) if endpoint_file else {}
    if endpoint_url:
        urls[DEFAULT_KEY] = checked_url(name_of("endpoint_url"), DEFAULT_KEY, endpoint_url)
    if endpoint_urls:
        urls.update(parse_endpoint_urls(endpoint_urls, name_of("endpoint_urls")))
    default = urls.pop(DEFAULT_KEY, None)
    return default, urls
