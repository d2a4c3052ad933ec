"""moto's EC2 instance types and offerings, read on first use: the same answers."""

import json
import subprocess
import sys

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
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ec2.models import ec2_backends

# Every entry is compared where moto's EC2 code reads the lazy objects (its backend's describe
# methods, which its responses only serialize); one small call per action goes through the API.
with mock_aws():
    answers = {}
    for region in ("us-east-1", "eu-west-1"):
        backend = ec2_backends[DEFAULT_ACCOUNT_ID][region]
        for kind in kinds:
            got = backend.describe_instance_type_offerings(location_type=kind)
            moto_file = load_resource(
                f"ec2/resources/instance_type_offerings/{kind}/{region}.json"
            )
            answers[f"{region} {kind}"] = [
                len(got), len(moto_file), got[0]["LocationType"],
                [{**o, "LocationType": kind} for o in moto_file] == got,
            ]
        ec2 = boto3.client("ec2", region_name=region)
        via_api = ec2.describe_instance_type_offerings(
            LocationType="availability-zone",
            Filters=[{"Name": "instance-type", "Values": ["t3.micro"]}],
        )["InstanceTypeOfferings"]
        answers[f"{region} api"] = sorted(o["Location"] for o in via_api)
        answers[f"{region} api file"] = sorted(
            o["Location"]
            for o in load_resource(
                f"ec2/resources/instance_type_offerings/availability-zone/{region}.json"
            )
            if o["InstanceType"] == "t3.micro"
        )
    described = backend.describe_instance_types()
    one = ec2.describe_instance_types(InstanceTypes=["t3.micro"])["InstanceTypes"]
file_types = load_resource("ec2/resources/instance_types.json")
types = {
    "unread_at_import": types_unread,
    # moto's InstanceType also keeps its name as an item, which its answer's shape leaves out.
    "described": [{k: v for k, v in t.items() if k != "name"} for t in described]
    == list(file_types.values()),
    "t3.micro": one == [file_types["t3.micro"]],
    "families": sorted(instance_types.INSTANCE_FAMILIES)
    == sorted({name.split(".")[0] for name in file_types}),
    "m5 is a family": "m5" in instance_types.INSTANCE_FAMILIES,
}
found = {"lazy": lazy, "unread": unread, "regions": regions, "answers": answers, "types": types}
print(json.dumps(found))
"""


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


# One test for the offerings and the instance types: one fresh interpreter answers both (two
# tests ran it twice under xdist, on two workers).
def test_nothing_is_read_at_import_and_each_answers_as_moto_reads_it():
    found = run()
    assert found["lazy"] is True
    assert found["unread"] == 0
    assert set(found["regions"]) == {"availability-zone", "availability-zone-id", "region"}
    assert "us-east-1" in found["regions"]["region"]
    assert "eu-west-1" in found["regions"]["availability-zone"]
    answers = found["answers"]
    for region in ("us-east-1", "eu-west-1"):
        for kind in found["regions"]:
            served, in_file, location_type, same = answers.pop(f"{region} {kind}")
            assert served == in_file > 0, (region, kind)
            assert location_type == kind and same, (region, kind)
        # Through the API (moto's responses and botocore): the same offerings as its file.
        assert answers[f"{region} api"] == answers[f"{region} api file"] != [], region
    assert found["types"] == {
        "unread_at_import": True,
        "described": True,
        "t3.micro": True,
        "families": True,
        "m5 is a family": True,
    }
