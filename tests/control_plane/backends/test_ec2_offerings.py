"""moto's EC2 instance type offerings, read per region on first use: the same answers."""

import json
import subprocess
import sys

# A fresh interpreter: moto's EC2 models must be imported for the first time by the harness.
SCRIPT = """
import json
from harness.control_plane.backends.ec2_offerings import RegionOfferings
from harness.control_plane.backends.region_lists import remember_region_lists
remember_region_lists()
from moto.ec2.models.instance_types import INSTANCE_TYPE_OFFERINGS as offerings
from moto.utilities.utils import load_resource

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
print(json.dumps({"lazy": lazy, "unread": unread, "regions": regions, "answers": answers}))
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
