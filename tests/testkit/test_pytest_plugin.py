"""The harness's pytest plugin, tried from outside (pytester, in-process: the plugin is
loaded from its entry point into a fresh pytest config, as in a subprocess, without paying a
new interpreter and every plugin's import for each run)."""

import json
from dataclasses import fields

import hypothesis.internal.observability  # noqa: F401  (see below)
import pytest

from harness.control_plane.record import StackRecord

pytest_plugins = ["pytester"]

# Each in-process run forgets the modules it imported (pytester restores sys.modules), so a
# module first imported inside one is imported, and its asserts rewritten, again by the next:
# hypothesis's plugin imports this one, and with it all of hypothesis, at every session's end
# (~1.5 s of CPU each time). Imported once here, it stays.


def run(pytester, *args: str) -> pytest.RunResult:
    # pytest-playwright keeps its soft-assertion scope in a module global, which a nested
    # in-process session would reopen; none of these runs opens a browser.
    return pytester.runpytest_inprocess("-p", "no:playwright", *args)


@pytest.fixture
def state_file(pytester):
    """A detached stack's state file, as `harness up --detach` writes it (nothing listens)."""
    run_dir = pytester.path / "run"
    (run_dir / "logs").mkdir(parents=True)
    (run_dir / "logs" / "alb.log").write_text("alb: target 127.0.0.2:8080 unhealthy\n")
    names = [f.name for f in fields(StackRecord) if f.name not in ("region", "subnet_ids")]
    resources = {name: f"{name}-value" for name in names}
    state = {
        "pid": 1,
        "backend": "embedded",
        "region": "us-east-1",
        "run_dir": str(run_dir),
        "edge_url": "http://127.0.0.1:9",
        "push_sink_url": "http://127.0.0.1:8",
        "control_url": None,
        "endpoints": {"s3": "http://127.0.0.1:7", "dynamodb": "http://127.0.0.1:6"},
        "environment": {
            "AWS_ENDPOINT_URL": "http://127.0.0.1:7",
            "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:6",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1",
        },
        "resources": {**resources, "region": "us-east-1", "subnet_ids": ["subnet-1"]},
    }
    path = run_dir / "state.json"
    path.write_text(json.dumps(state))
    return path


def test_options_are_listed_in_their_own_group_with_a_prefix(pytester):
    result = run(pytester, "--help")
    result.stdout.fnmatch_lines(
        [
            "AnimeHub stack:",
            "*--animehub-backend=*",
            "*--animehub-tasks=N*",
            "*--animehub-stack-state=PATH*",
            "*--animehub-results-dir=DIR*",
            "*--tasks=N*deprecated: use --animehub-tasks",
        ]
    )


def test_every_fixture_of_the_plugin_has_a_docstring(pytester):
    # With pytest-playwright loaded: the browser fixtures are listed; --fixtures runs no test.
    result = pytester.runpytest_inprocess("--fixtures")
    text = result.stdout.str()
    for name in (
        "stack",
        "edge_url",
        "aws",
        "make_user",
        "user",
        "make_api",
        "api",
        "open_app",
        "push_sink",
        "mail_sink",
        "base_url",
        "browser_type_launch_args",
    ):
        assert f"\n{name} " in text, name
    ours = [block for block in text.split("\n\n") if "harness/testkit/" in block]
    assert ours and not [block for block in ours if "no docstring available" in block]


def test_a_bad_setting_is_one_line_naming_it(pytester):
    result = run(pytester, "--animehub-tasks", "11")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*animehub: --animehub-tasks: 11 tasks is outside the allowed 1-10*"]
    )


def test_an_old_option_name_still_works_with_a_deprecation_warning(pytester):
    pytester.makepyfile("def test_nothing(): pass")
    result = run(pytester, "--tasks", "3", "-W", "default")
    result.stdout.fnmatch_lines(
        [
            "animehub: backend embedded (default), 3 API tasks (--animehub-tasks)*",
            "*AnimehubDeprecationWarning: --tasks is deprecated and will be removed; "
            "use --animehub-tasks*",
        ]
    )
    assert result.ret == 0
    bad = run(pytester, "--tasks", "0")
    bad.stderr.fnmatch_lines(["*animehub: --tasks: 0 tasks is outside the allowed 1-10*"])


def test_the_header_names_the_backend_and_where_it_came_from(pytester, monkeypatch):
    monkeypatch.setenv("ANIMEHUB_TASKS", "3")
    pytester.makepyfile("def test_nothing(): pass")
    result = run(pytester, "--animehub-backend", "embedded")
    result.stdout.fnmatch_lines(
        [
            "animehub: backend embedded (--animehub-backend), 3 API tasks (env ANIMEHUB_TASKS)*",
            "animehub:   an embedded moto server on 127.0.0.1 (free port): *cognito-idp*s3*",
        ]
    )
    assert result.ret == 0


def test_attaching_shows_each_service_and_gives_the_fixtures(pytester, state_file):
    pytester.makepyfile(
        """
        def test_fixtures(stack, edge_url, aws):
            assert stack.attached
            assert edge_url == "http://127.0.0.1:9"
            assert stack.record.web_bucket == "web_bucket-value"
            assert aws("s3").meta.endpoint_url == "http://127.0.0.1:7"
            assert aws.dynamodb.meta.endpoint_url == "http://127.0.0.1:6"
            assert stack.push_sink.device_url("d") == "http://127.0.0.1:8/devices/d"
        """
    )
    result = run(pytester, "--animehub-stack-state", str(state_file))
    result.stdout.fnmatch_lines(
        [
            f"animehub: attached to the stack in {state_file.parent}*",
            "animehub: edge http://127.0.0.1:9",
            "animehub:   dynamodb -> http://127.0.0.1:6",
            "animehub:   s3 -> http://127.0.0.1:7",
        ]
    )
    result.assert_outcomes(passed=1)


def test_a_failed_test_on_the_stack_keeps_its_logs_and_names_them(pytester, state_file):
    pytester.makepyfile(
        """
        def test_fails(stack):
            assert False, "the fan saw nothing"

        def test_fails_without_the_stack():
            assert False
        """
    )
    results = pytester.path / "out"
    result = run(
        pytester, "--animehub-stack-state", str(state_file), "--animehub-results-dir", str(results)
    )
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*animehub artifacts*", "artifacts: *-py-test-fails"])
    (copied,) = results.glob("*/main/failures/*/logs/alb.log")
    assert "unhealthy" in copied.read_text()
    # A test that did not use the stack leaves no artifacts folder.
    assert len(list(results.glob("*/main/failures/*"))) == 1


def test_breaks_stack_is_a_registered_marker(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.breaks_stack
        def test_marked():
            pass
        """
    )
    run(pytester, "--strict-markers").assert_outcomes(passed=1)


def test_on_the_aws_backend_only_scenarios_marked_safe_run(pytester, monkeypatch):
    monkeypatch.setenv("ANIMEHUB_BACKEND", "aws")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.aws_safe
        def test_read_only():
            pass

        def test_breaks_things():
            raise AssertionError("must not run against a real deployment")
        """
    )
    result = run(pytester, "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*not marked aws_safe*"])


def test_elsewhere_unmarked_scenarios_run(pytester, monkeypatch):
    monkeypatch.setenv("ANIMEHUB_BACKEND", "embedded")
    pytester.makepyfile("def test_anything():\n    pass\n")
    run(pytester).assert_outcomes(passed=1)
