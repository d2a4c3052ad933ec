"""ACM: the certificate for the distribution's alternate domain name (DNS validated).

CloudFront reads ACM certificates in us-east-1 only (cnames-and-https-requirements). On an
emulator ACM holds the certificate's record; the edge serves one for the same name from the
run's local CA (`harness/plumbing/local_ca.py`), as ACM never exports a public certificate's key.
"""

from __future__ import annotations

from harness.control_plane.blueprint import Blueprint


def provision_certificate(acm, bp: Blueprint) -> dict:
    for page in acm.get_paginator("list_certificates").paginate():
        for summary in page.get("CertificateSummaryList", []):
            if summary["DomainName"] == bp.alternate_domain_name:
                return {"certificate_arn": summary["CertificateArn"]}
    arn = acm.request_certificate(
        DomainName=bp.alternate_domain_name,
        ValidationMethod="DNS",
        IdempotencyToken=f"{bp.name}edge"[:32],
    )["CertificateArn"]
    return {"certificate_arn": arn}
