"""The embedded emulator's region-list shortcut reaches moto's backends and nothing else."""

import subprocess
import sys

import boto3
import boto3.session

from harness.control_plane.backends.region_lists import RegionLists, remember_region_lists


def test_moto_gets_the_remembered_lists_and_boto3_is_left_alone():
    regions_method, session_class = boto3.session.Session.get_available_regions, boto3.Session
    remember_region_lists()
    remember_region_lists()  # once per process

    assert boto3.session.Session.get_available_regions is regions_method
    assert boto3.Session is session_class
    from moto.core.base_backend import AccountSpecificBackend
    from moto.ec2.models import availability_zones_and_regions

    lists = AccountSpecificBackend.get_session()
    assert isinstance(lists, RegionLists)
    assert availability_zones_and_regions.Session is session_class
    for service, partition in [("sqs", "aws"), ("ec2", "aws-cn"), ("elbv2", "aws-us-gov")]:
        own = boto3.session.Session().get_available_regions(service, partition)
        assert lists.get_available_regions(service, partition) == own
    assert lists.get_available_partitions() == boto3.session.Session().get_available_partitions()


IMPORT_EVERYTHING = """
import importlib, os, pkgutil, harness
before = dict(os.environ)
for module in pkgutil.walk_packages(harness.__path__, "harness."):
    if not module.name.endswith("__main__"):
        importlib.import_module(module.name)
changed = sorted(k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k))
print(changed)
"""


def test_importing_every_harness_module_writes_no_environment_variable():
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_answers_are_kept_on_disk_and_read_back_by_the_next_start(tmp_path):
    kept = tmp_path / "region-lists.json"
    first = RegionLists(kept)
    own = boto3.session.Session().get_available_regions("sqs", "aws")
    assert first.get_available_regions("sqs", "aws") == own
    assert RegionLists(kept).get_available_regions("sqs", "aws") == own
    # The next start answers from the file (the file is per botocore version): shown with a
    # file that says something botocore would not.
    kept.write_text('[[["sqs", "aws", false], ["xx-test-1"]]]')
    assert RegionLists(kept).get_available_regions("sqs", "aws") == ["xx-test-1"]


def test_an_unreadable_kept_file_is_asked_of_botocore_again(tmp_path):
    kept = tmp_path / "region-lists.json"
    kept.write_text("not json")
    own = boto3.session.Session().get_available_regions("ecs", "aws")
    assert RegionLists(kept).get_available_regions("ecs", "aws") == own
