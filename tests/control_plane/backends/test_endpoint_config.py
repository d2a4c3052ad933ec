import pytest

from harness.control_plane.backends.endpoint_config import (
    merged_endpoints,
    parse_endpoint_urls,
    read_endpoint_file,
)
from harness.errors import ConfigError


def test_per_service_urls_accept_botocore_names_and_aliases():
    urls = parse_endpoint_urls(
        "dynamodb=http://127.0.0.1:8000/, cognito=embedded, alb=http://h:1,logs=https://l"
    )
    assert urls == {
        "dynamodb": "http://127.0.0.1:8000",
        "cognito-idp": "embedded",
        "elbv2": "http://h:1",
        "logs": "https://l",
    }


def test_an_unknown_service_lists_the_valid_ones():
    with pytest.raises(ConfigError) as failure:
        parse_endpoint_urls("dynamo=http://127.0.0.1:8000")
    assert failure.value.setting == "ANIMEHUB_ENDPOINT_URLS"
    assert "unknown service 'dynamo'" in str(failure.value)
    assert "dynamodb, cognito-idp" in str(failure.value)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("dynamodb", "is not service=url"),
        ("dynamodb=", "is not service=url"),
        ("dynamodb=127.0.0.1:8000", "is not an http(s) URL"),
        ("s3=ftp://host", "is not an http(s) URL"),
    ],
)
def test_malformed_entries_are_config_errors(raw, problem):
    with pytest.raises(ConfigError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        parse_endpoint_urls(raw)


def test_a_small_file_gives_a_default_and_services(tmp_path):
    path = tmp_path / "endpoints.yml"
    path.write_text("default: http://127.0.0.1:4566\ndynamodb: http://127.0.0.1:8000\n")
    assert read_endpoint_file(path) == {
        "default": "http://127.0.0.1:4566",
        "dynamodb": "http://127.0.0.1:8000",
    }


@pytest.mark.parametrize("text", ["- a list\n", "default: [unclosed\n"])
def test_a_file_that_is_not_a_mapping_is_a_config_error(tmp_path, text):
    path = tmp_path / "endpoints.yml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="ANIMEHUB_ENDPOINT_FILE"):
        read_endpoint_file(path)


def test_a_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        read_endpoint_file(tmp_path / "absent.yml")


def test_flags_and_environment_override_the_file(tmp_path):
    path = tmp_path / "endpoints.yml"
    path.write_text("default: http://file:1\nsqs: http://file:2\ns3: http://file:3\n")
    default, per_service = merged_endpoints(path, "http://base:4566", "s3=http://flag:9")
    assert default == "http://base:4566"
    assert per_service == {"sqs": "http://file:2", "s3": "http://flag:9"}
