"""CloudFront: one distribution; the web bucket by default (deep links routed by the SPA
function), /api/* to the ALB, /media/* to S3."""

from __future__ import annotations

from botocore.exceptions import ClientError

from harness.control_plane.blueprint import Behaviour, Blueprint
from harness.control_plane.spa_routing import RUNTIME, spa_routing_code

READ_METHODS = ["GET", "HEAD"]
ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]


def _s3_origin(origin_id: str, bucket: str, region: str, access_control_id: str) -> dict:
    return {
        "Id": origin_id,
        "DomainName": f"{bucket}.s3.{region}.amazonaws.com",
        "OriginPath": "",
        "CustomHeaders": {"Quantity": 0},
        # With an Origin Access Control the (legacy) identity stays empty.
        "S3OriginConfig": {"OriginAccessIdentity": ""},
        "OriginAccessControlId": access_control_id,
    }


def _alb_origin(origin_id: str, dns_name: str, port: int) -> dict:
    return {
        "Id": origin_id,
        "DomainName": dns_name,
        "OriginPath": "",
        "CustomHeaders": {"Quantity": 0},
        "CustomOriginConfig": {
            "HTTPPort": port,
            "HTTPSPort": 443,
            "OriginProtocolPolicy": "http-only",
            "OriginReadTimeout": 30,
            "OriginKeepaliveTimeout": 5,
        },
    }


def _behaviour(
    b: Behaviour, origin_id: str, viewer_protocol_policy: str, spa_function_arn: str | None = None
) -> dict:
    methods = ALL_METHODS if b.all_methods else READ_METHODS
    behaviour = {
        "TargetOriginId": origin_id,
        "ViewerProtocolPolicy": viewer_protocol_policy,
        "AllowedMethods": {
            "Quantity": len(methods),
            "Items": methods,
            "CachedMethods": {"Quantity": 2, "Items": READ_METHODS},
        },
        "CachePolicyId": b.cache_policy_id,
        "Compress": True,
    }
    if b.origin_request_policy_id:
        behaviour["OriginRequestPolicyId"] = b.origin_request_policy_id
    if b.path_pattern != "*":
        behaviour["PathPattern"] = b.path_pattern
    elif spa_function_arn:
        association = {"FunctionARN": spa_function_arn, "EventType": "viewer-request"}
        behaviour["FunctionAssociations"] = {"Quantity": 1, "Items": [association]}
    return behaviour


def distribution_config(bp: Blueprint, made: dict, caller_reference: str) -> dict:
    origin_ids = {"web": "web-bucket", "media": "media-bucket", "api": "api-alb"}
    origins = [
        _s3_origin(origin_ids["web"], made["web_bucket"], bp.region, made["oac_id"]),
        _s3_origin(origin_ids["media"], made["media_bucket"], bp.region, made["oac_id"]),
        _alb_origin(origin_ids["api"], made["load_balancer_dns"], bp.listener_port),
    ]
    default = next(b for b in bp.behaviours if b.path_pattern == "*")
    policy = bp.viewer_protocol_policy
    ordered = [
        _behaviour(b, origin_ids[b.origin], policy) for b in bp.behaviours if b is not default
    ]
    return {
        "CallerReference": caller_reference,
        "Comment": bp.distribution_comment,
        "Enabled": True,
        "DefaultRootObject": bp.default_root_object,
        "Origins": {"Quantity": len(origins), "Items": origins},
        "Aliases": {"Quantity": 1, "Items": [bp.alternate_domain_name]},
        "ViewerCertificate": {
            "ACMCertificateArn": made["certificate_arn"],
            "SSLSupportMethod": "sni-only",
            "MinimumProtocolVersion": "TLSv1.2_2021",
        },
        "DefaultCacheBehavior": _behaviour(
            default, origin_ids[default.origin], policy, made.get("spa_function_arn")
        ),
        "CacheBehaviors": {"Quantity": len(ordered), "Items": ordered},
        "CustomErrorResponses": {"Quantity": 0},
        "PriceClass": "PriceClass_100",
        "HttpVersion": "http2",
    }


def _find(cloudfront, comment: str) -> dict | None:
    for page in cloudfront.get_paginator("list_distributions").paginate():
        for item in page.get("DistributionList", {}).get("Items", []):
            if item.get("Comment") == comment:
                return item
    return None


def _differs(current: dict, wanted: dict) -> bool:
    """Compare the parts the blueprint sets; emulators add defaults of their own elsewhere."""

    def origins(cfg: dict) -> list:
        return sorted(
            (o["Id"], o["DomainName"], o.get("OriginAccessControlId") or "")
            for o in cfg["Origins"].get("Items", [])
        )

    def behaviours(cfg: dict) -> list:
        items = [cfg["DefaultCacheBehavior"], *cfg.get("CacheBehaviors", {}).get("Items", [])]
        return [
            (
                b.get("PathPattern", "*"),
                b["TargetOriginId"],
                b.get("CachePolicyId") or None,
                b.get("OriginRequestPolicyId") or None,
                b.get("ViewerProtocolPolicy"),
                sorted(
                    (a["EventType"], a["FunctionARN"])
                    for a in (b.get("FunctionAssociations") or {}).get("Items") or []
                ),
            )
            for b in items
        ]

    def errors(cfg: dict) -> list:
        items = cfg.get("CustomErrorResponses", {}).get("Items", [])
        return sorted((int(e["ErrorCode"]), e.get("ResponsePagePath")) for e in items)

    return (
        origins(current) != origins(wanted)
        or behaviours(current) != behaviours(wanted)
        or errors(current) != errors(wanted)
        or current.get("DefaultRootObject") != wanted["DefaultRootObject"]
        or (current.get("Aliases") or {}).get("Items") != wanted["Aliases"]["Items"]
    )


def provision_origin_access_control(cloudfront, bp: Blueprint) -> str:
    """The identity CloudFront signs its S3 origin requests with (SigV4, always)."""
    for page in cloudfront.get_paginator("list_origin_access_controls").paginate():
        for item in page.get("OriginAccessControlList", {}).get("Items", []):
            if item["Name"] == bp.origin_access_control:
                return item["Id"]
    return cloudfront.create_origin_access_control(
        OriginAccessControlConfig={
            "Name": bp.origin_access_control,
            "Description": "AnimeHub's distribution reading its S3 origins",
            "SigningProtocol": "sigv4",
            "SigningBehavior": "always",
            "OriginAccessControlOriginType": "s3",
        }
    )["OriginAccessControl"]["Id"]


def provision_spa_function(cloudfront, bp: Blueprint) -> str:
    """The SPA routing function, published (LIVE) so that a behaviour may use it; its ARN."""
    code = spa_routing_code(bp.default_root_object).encode()
    config = {"Comment": "AnimeHub SPA deep links", "Runtime": RUNTIME}
    try:
        found = cloudfront.describe_function(Name=bp.spa_function)
        current = cloudfront.get_function(Name=bp.spa_function)["FunctionCode"].read()
        if current != code:
            found = cloudfront.update_function(
                Name=bp.spa_function,
                IfMatch=found["ETag"],
                FunctionConfig=config,
                FunctionCode=code,
            )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchFunctionExists":
            raise
        found = cloudfront.create_function(
            Name=bp.spa_function, FunctionConfig=config, FunctionCode=code
        )
    try:
        live = cloudfront.get_function(Name=bp.spa_function, Stage="LIVE")["FunctionCode"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchFunctionExists":
            raise
        live = None
    if live != code:
        cloudfront.publish_function(Name=bp.spa_function, IfMatch=found["ETag"])
    return found["FunctionSummary"]["FunctionMetadata"]["FunctionARN"]


def provision_distribution(cloudfront, bp: Blueprint, made: dict) -> dict:
    made = {
        **made,
        "oac_id": provision_origin_access_control(cloudfront, bp),
        "spa_function_arn": provision_spa_function(cloudfront, bp),
    }
    existing = _find(cloudfront, bp.distribution_comment)
    if existing is None:
        wanted = distribution_config(bp, made, caller_reference=f"{bp.name}-distribution")
        created = cloudfront.create_distribution(DistributionConfig=wanted)["Distribution"]
        return {"distribution_id": created["Id"], "distribution_domain": created["DomainName"]}
    found = cloudfront.get_distribution_config(Id=existing["Id"])
    current = found["DistributionConfig"]
    wanted = distribution_config(bp, made, caller_reference=current["CallerReference"])
    if _differs(current, wanted):
        cloudfront.update_distribution(
            Id=existing["Id"], IfMatch=found["ETag"], DistributionConfig=wanted
        )
    return {"distribution_id": existing["Id"], "distribution_domain": existing["DomainName"]}
