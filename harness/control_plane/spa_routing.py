"""The CloudFront function (cloudfront-js-2.0, viewer request, default behaviour) that routes
the single-page app's deep links: a path whose last segment has no file extension is the app's
HTML page. It replaces a distribution-wide custom error response, which also rewrote the API's
own 404 (custom error responses apply to every behaviour [HTTPStatusCodes])."""

from __future__ import annotations

RUNTIME = "cloudfront-js-2.0"


def spa_routing_code(index_object: str) -> str:
    return f"""\
// SPA deep links: /watch/42 is the app's page; /app.js and /favicon.ico stay themselves.
function handler(event) {{
  var request = event.request;
  var last = request.uri.split("/").pop();
  if (last.indexOf(".") === -1) {{
    request.uri = "/{index_object}";
  }}
  return request;
}}
"""
