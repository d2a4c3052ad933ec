"""moto's EC2 instance types and offerings, read on first use: the same answers."""

import json
import subprocess
import sys
from functools import cache

# A fresh interpreter: moto's EC2 models must be imported for the first time by the harness.
SCRIPT = """
import json
from harness.control_plane.backends.ec2_offerings import RegionOfferings
from harness.control_plane.backends.region_lists import remember_region_lists
remember_region_lists()
from moto.ec2.models import instance_types
from moto.ec2.models.instance_types import INSTANCE_TYPE_OFFERINGS as offerings
from moto.utilities.utils import load_resource

types_unread = instance_types.INSTANCE_TYPES._read is None

kinds = sorted(offerings)
lazy = all(isinstance(offerings[k], RegionOfferings) for k in kinds)
unread = sum(len(offerings[k]._read) for k in kinds)
regions = {k: sorted(offerings[k]) for k in kinds}

import boto3
from moto import mock_aws
with mock_aws():
    answers = {}
    for region in ("us-east-1", "eu-west-1"):
        ec2 = boto3.client("ec2", region_name=region)
        for kind in kinds:
            got = ec2.describe_instance_type_offerings(LocationType=kind)["InstanceTypeOfferings"]
            moto_file = load_resource(
                f"ec2/resources/instance_type_offerings/{kind}/{region}.json"
            )
            answers[f"{region} {kind}"] = [len(got), len(moto_file), got[0]["LocationType"]]
    pages = ec2.get_paginator("describe_instance_types").paginate()
    described = [t for page in pages for t in page["InstanceTypes"]]
    one = ec2.describe_instance_types(InstanceTypes=["t3.micro"])["InstanceTypes"]
file_types = load_resource("ec2/resources/instance_types.json")
types = {
    "unread_at_import": types_unread,
    "described": sorted(t["InstanceType"] for t in described) == sorted(file_types),
    "t3.micro": one == [file_types["t3.micro"]],
    "families": sorted(instance_types.INSTANCE_FAMILIES)
    == sorted({name.split(".")[0] for name in file_types}),
    "m5 is a family": "m5" in instance_types.INSTANCE_FAMILIES,
}
found = {"lazy": lazy, "unread": unread, "regions": regions, "answers": answers, "types": types}
print(json.dumps(found))
"""


@cache  # one fresh interpreter answers every test here
def run() -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=300,
        env={"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "PATH": ""},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_no_region_is_read_at_import_and_each_answers_as_moto_reads_it():
    found = run()
    assert found["lazy"] is True
    assert found["unread"] == 0
    assert set(found["regions"]) == {"availability-zone", "availability-zone-id", "region"}
    assert "us-east-1" in found["regions"]["region"]
    assert "eu-west-1" in found["regions"]["availability-zone"]
    for where, (served, in_file, location_type) in found["answers"].items():
        assert served == in_file > 0, where
        assert location_type == where.split()[1], where


def test_instance_types_are_not_read_at_import_and_answer_as_moto_reads_them():
    assert run()["types"] == {
        "unread_at_import": True,
        "described": True,
        "t3.micro": True,
        "families": True,
        "m5 is a family": True,
    }
