"""Reads the LIVE stage of the functions a distribution's behaviours name, through the
CloudFront API (DescribeFunction and GetFunction with Stage=LIVE), and keeps one compiled
`EdgeFunction` per function version across configuration reloads."""

from __future__ import annotations

from collections.abc import Mapping

from botocore.exceptions import ClientError

from harness.data_plane.edge.cache_policy import items
from harness.data_plane.edge.distribution import PolicyNotFound, function_arns
from harness.data_plane.edge.functions.runtime import EdgeFunction


def function_name(arn: str) -> str:
    return arn.rsplit(":function/", 1)[-1]


class FunctionReader:
    def __init__(self, cloudfront) -> None:
        self._cloudfront = cloudfront
        self._compiled: dict[tuple[str, str, str], EdgeFunction] = {}

    def read(self, config: Mapping) -> dict[str, dict]:
        """Each associated function's LIVE code and runtime, or why there is none."""
        behaviours = [config["DefaultCacheBehavior"], *items(config.get("CacheBehaviors"))]
        arns = {arn for b in behaviours for arn in function_arns(b).values()}
        return {arn: self._fetch(arn) for arn in sorted(arns)}

    def _fetch(self, arn: str) -> dict:
        name = function_name(arn)
        try:
            summary = self._cloudfront.describe_function(Name=name, Stage="LIVE")
            code = self._cloudfront.get_function(Name=name, Stage="LIVE")["FunctionCode"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "NoSuchFunctionExists":
                raise
            return {"missing": f"function {arn} has no LIVE stage (NoSuchFunctionExists)"}
        code = code.read() if hasattr(code, "read") else code
        runtime = summary["FunctionSummary"]["FunctionConfig"].get("Runtime", "")
        return {"code": code.decode("utf-8", "replace"), "runtime": runtime}

    def lookup(self, fetched: Mapping[str, dict]):
        """The `find_function` for `parse_distribution`; contexts no longer used are closed."""
        wanted = {}
        for arn, answer in fetched.items():
            if "missing" in answer:
                continue
            key = (arn, answer["runtime"], answer["code"])
            wanted[key] = self._compiled.get(key) or EdgeFunction(
                name=function_name(arn), arn=arn, code=answer["code"], runtime=answer["runtime"]
            )
        for key, old in self._compiled.items():
            if key not in wanted:
                old.close()
        self._compiled = wanted
        by_arn = {key[0]: function for key, function in wanted.items()}

        def find(arn: str) -> EdgeFunction:
            if arn not in by_arn:
                raise PolicyNotFound(fetched[arn]["missing"])
            return by_arn[arn]

        return find

    def close(self) -> None:
        for function in self._compiled.values():
            function.close()
        self._compiled = {}
