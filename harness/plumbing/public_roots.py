"""The usual public roots (certifi's bundle, what httpx trusts by default) in one TLS context
that the harness's HTTP clients share: httpx builds a new context for each client not given
one, 40-80 ms of CPU each, and a stack makes several of them as it starts (#14)."""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def public_roots() -> ssl.SSLContext:
    return httpx.create_ssl_context()
