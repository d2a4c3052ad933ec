"""The template's web and media tier: both buckets (private, encrypted), the Origin Access
Control CloudFront signs its S3 requests with, the bucket policies that grant this distribution
alone, and the distribution with the blueprint's behaviours."""

from __future__ import annotations

from harness.control_plane.access_policies import cloudfront_read_policy
from harness.control_plane.blueprint import Behaviour, Blueprint
from harness.control_plane.cloudformation.intrinsics import get_att, ref, scoped, sub
from harness.control_plane.provision.distribution import ALL_METHODS, READ_METHODS
from harness.control_plane.spa_routing import RUNTIME, spa_routing_code

ORIGIN_IDS = {"web": "web-bucket", "media": "media-bucket", "api": "api-alb"}
BUCKETS = {"web": "WebBucket", "media": "MediaBucket"}
DISTRIBUTION_ARN = sub(
    "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}"
)


def _private_bucket(name, **extra) -> dict:
    return {
        "Type": "AWS::S3::Bucket",
        "Properties": {
            "BucketName": name,
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                ]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            **extra,
        },
    }


def bucket_resources(bp: Blueprint) -> dict:
    env = scoped(bp)
    resources = {
        "WebBucket": _private_bucket(sub(env.web_bucket)),
        "MediaBucket": _private_bucket(
            sub(env.media_bucket),
            LifecycleConfiguration={
                "Rules": [
                    {
                        "Id": "archive-untouched-media",
                        "Status": "Enabled",
                        "Prefix": "media/",
                        "Transitions": [
                            {
                                "StorageClass": "GLACIER",
                                "TransitionInDays": bp.media_archive_after_days,
                            }
                        ],
                    }
                ]
            },
            CorsConfiguration={
                "CorsRules": [
                    {
                        "AllowedMethods": ["PUT", "GET", "HEAD"],
                        "AllowedOrigins": ["*"],
                        "AllowedHeaders": ["*"],
                        "MaxAge": 3000,
                    }
                ]
            },
        ),
    }
    for origin, bucket in BUCKETS.items():
        resources[f"{bucket}Policy"] = {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": ref(bucket),
                "PolicyDocument": cloudfront_read_policy(
                    bucket_arn=get_att(bucket, "Arn"),
                    objects_arn=sub(f"${{{bucket}.Arn}}/*"),
                    distribution_arn=DISTRIBUTION_ARN,
                    listable=origin in bp.listable_origins,
                ),
            },
        }
    return resources


def _behaviour(b: Behaviour, viewer_protocol_policy: str) -> dict:
    behaviour = {
        "TargetOriginId": ORIGIN_IDS[b.origin],
        "ViewerProtocolPolicy": viewer_protocol_policy,
        "AllowedMethods": ALL_METHODS if b.all_methods else READ_METHODS,
        "CachedMethods": READ_METHODS,
        "CachePolicyId": b.cache_policy_id,
        "Compress": True,
    }
    if b.origin_request_policy_id:
        behaviour["OriginRequestPolicyId"] = b.origin_request_policy_id
    if b.path_pattern != "*":
        behaviour["PathPattern"] = b.path_pattern
    return behaviour


def _s3_origin(origin: str) -> dict:
    return {
        "Id": ORIGIN_IDS[origin],
        "DomainName": get_att(BUCKETS[origin], "RegionalDomainName"),
        # With an Origin Access Control the (legacy) identity stays empty.
        "S3OriginConfig": {"OriginAccessIdentity": ""},
        "OriginAccessControlId": get_att("OriginAccessControl", "Id"),
    }


def distribution_resources(bp: Blueprint) -> dict:
    env = scoped(bp)
    default = next(b for b in bp.behaviours if b.path_pattern == "*")
    policy = bp.viewer_protocol_policy
    return {
        # CloudFront reads ACM certificates in us-east-1 only: deploy this stack there.
        "EdgeCertificate": {
            "Type": "AWS::CertificateManager::Certificate",
            "Properties": {
                "DomainName": sub(env.alternate_domain_name),
                "ValidationMethod": "DNS",
            },
        },
        "SpaRoutingFunction": {
            "Type": "AWS::CloudFront::Function",
            "Properties": {
                "Name": sub(env.spa_function),
                "AutoPublish": True,
                "FunctionConfig": {"Comment": "AnimeHub SPA deep links", "Runtime": RUNTIME},
                "FunctionCode": spa_routing_code(bp.default_root_object),
            },
        },
        "OriginAccessControl": {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {
                "OriginAccessControlConfig": {
                    "Name": sub(env.origin_access_control),
                    "Description": "AnimeHub's distribution reading its S3 origins",
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        },
        "Distribution": {
            "Type": "AWS::CloudFront::Distribution",
            "Properties": {
                "DistributionConfig": {
                    "Comment": sub(env.distribution_comment),
                    "Enabled": True,
                    "DefaultRootObject": bp.default_root_object,
                    "Origins": [
                        _s3_origin("web"),
                        _s3_origin("media"),
                        {
                            "Id": ORIGIN_IDS["api"],
                            "DomainName": get_att("LoadBalancer", "DNSName"),
                            "CustomOriginConfig": {
                                "HTTPPort": bp.listener_port,
                                "OriginProtocolPolicy": "http-only",
                                "OriginReadTimeout": 30,
                                "OriginKeepaliveTimeout": 5,
                            },
                        },
                    ],
                    "Aliases": [sub(env.alternate_domain_name)],
                    "ViewerCertificate": {
                        "AcmCertificateArn": ref("EdgeCertificate"),
                        "SslSupportMethod": "sni-only",
                        "MinimumProtocolVersion": "TLSv1.2_2021",
                    },
                    "DefaultCacheBehavior": {
                        **_behaviour(default, policy),
                        "FunctionAssociations": [
                            {
                                "EventType": "viewer-request",
                                "FunctionARN": get_att("SpaRoutingFunction", "FunctionARN"),
                            }
                        ],
                    },
                    "CacheBehaviors": [
                        _behaviour(b, policy) for b in bp.behaviours if b is not default
                    ],
                    "PriceClass": "PriceClass_100",
                    "HttpVersion": "http2",
                }
            },
        },
    }
