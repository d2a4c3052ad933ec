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
