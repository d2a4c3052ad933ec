from pathlib import Path

import pytest

from harness.errors import ConfigError
from harness.settings import Settings


def test_defaults_are_embedded_with_free_ports_and_two_tasks():
    s = Settings.from_env({})
    assert (s.backend, s.region, s.tasks, s.edge_port, s.alb_port) == (
        "embedded",
        "us-east-1",
        2,
        0,
        0,
    )


def test_environment_is_read_when_called_and_flags_win():
    env = {"ANIMEHUB_BACKEND": "endpoint", "ANIMEHUB_TASKS": "3", "ANIMEHUB_RUN_DIR": "/tmp/x"}
    s = Settings.from_env(env, tasks="1")
    assert (s.backend, s.tasks, s.run_dir) == ("endpoint", 1, Path("/tmp/x"))


@pytest.mark.parametrize(
    ("env", "setting", "words"),
    [
        ({"ANIMEHUB_BACKEND": "lokalstack"}, "ANIMEHUB_BACKEND", "embedded, endpoint"),
        ({"ANIMEHUB_EDGE_PORT": "http"}, "ANIMEHUB_EDGE_PORT", "0-65535"),
        ({"ANIMEHUB_EDGE_HTTPS_PORT": "https"}, "ANIMEHUB_EDGE_HTTPS_PORT", "0-65535"),
        ({"ANIMEHUB_ALB_PORT": "70000"}, "ANIMEHUB_ALB_PORT", "0-65535"),
        ({"ANIMEHUB_TASKS": "0"}, "ANIMEHUB_TASKS", "1-10"),
        ({"ANIMEHUB_REGION": "mars"}, "ANIMEHUB_REGION", "us-east-1"),
    ],
)
def test_a_bad_value_names_the_setting_and_what_is_allowed(env, setting, words):
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    assert caught.value.setting == setting
    assert words in str(caught.value)


def test_a_bad_flag_is_refused_like_a_bad_variable():
    with pytest.raises(ConfigError, match="--backend: unknown backend 'nope'"):
        Settings.from_env({}, backend="nope")
