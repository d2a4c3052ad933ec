"""Faults on any hop of the stack, from tests (the `faults` fixture) and from the shell
(`harness fault add|clear|list|stop-task`): one store of rules in the run directory that every
part of the stack reads on each request. Rules follow LocalStack's chaos API (service,
operation, probability, error) for AWS calls and Toxiproxy's toxics (latency, reset, timeout)
for traffic, without depending on either."""
