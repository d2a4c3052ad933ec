"""CloudFront Functions (cloudfront-js-2.0) run by the edge for the behaviours they are
associated with: `runtime.py` (QuickJS), `event.py` (the event object), `reader.py` (the LIVE code
through the API), `hook.py` (viewer request and viewer response)."""
