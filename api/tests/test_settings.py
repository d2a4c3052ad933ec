from __future__ import annotations

import pytest

from api.settings import Settings, SettingsError

BASE = {
    "AWS_REGION": "eu-west-1",
    "ANIME_TABLE": "anime",
    "ANIME_FEED_INDEX": "feed",
    "USERS_TABLE": "users",
    "SHARED_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:anime-shared",
    "MEDIA_BUCKET": "media",
    "COGNITO_USER_POOL_ID": "eu-west-1_abc",
    "COGNITO_CLIENT_ID": "client",
}


def test_defaults_match_real_cognito_and_the_container():
    settings = Settings.from_env({**BASE, "TASK_ID": "t1"})
    assert settings.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc"
    assert settings.jwks_url == settings.issuer + "/.well-known/jwks.json"
    assert (settings.host, settings.port) == ("0.0.0.0", 8080)
    assert settings.task_id == "t1"
    assert settings.version == "dev"


def test_overrides():
    settings = Settings.from_env(
        {
            **BASE,
            "COGNITO_JWKS_URL": "http://127.0.0.1:5000/eu-west-1_abc/.well-known/jwks.json",
            "COGNITO_ISSUER": "http://127.0.0.1:5000/eu-west-1_abc/",
            "HOST": "127.0.0.1",
            "PORT": "18080",
            "APP_VERSION": "1.2.3",
        }
    )
    assert settings.issuer == "http://127.0.0.1:5000/eu-west-1_abc"
    assert settings.jwks_url.startswith("http://127.0.0.1:5000/")
    assert (settings.host, settings.port, settings.version) == ("127.0.0.1", 18080, "1.2.3")


def test_region_falls_back_to_aws_default_region():
    env = {**BASE, "AWS_DEFAULT_REGION": "ap-south-1"}
    del env["AWS_REGION"]
    assert Settings.from_env(env).region == "ap-south-1"


@pytest.mark.parametrize("name", [*BASE])
def test_a_missing_variable_is_named(name):
    env = {**BASE, name: " "}
    with pytest.raises(SettingsError, match=name):
        Settings.from_env(env)


@pytest.mark.parametrize("port", ["0", "65536", "80a", "-1", "8080.0"])
def test_port_is_strict(port):
    with pytest.raises(SettingsError, match="PORT"):
        Settings.from_env({**BASE, "PORT": port})
