"""The data plane: what AWS runs and the emulators do not (CloudFront edge, ALB, ECS agent, the
push sink standing in for fans' devices). Each part reads its settings through the AWS APIs.

Every part has the same file roles: `config.py` reads its settings from the AWS API, `app.py`
is the ASGI app or loop that serves, `part.py` is the running part (`harness.types.Part`).
docs/layout.md has the table.
"""
