"""Reading each component's log line: its source, and when its event began."""

from datetime import UTC, datetime

from harness.lifecycle.log_timeline import Filter, Follower, line_time, parse

ALB = (
    "http 2026-11-23T23:54:20.638095Z app/animehub-alb/1175 127.0.0.1:51340 127.0.0.2:39015 "
    '0.096 0.147 0.002 200 200 0 31 "GET http://alb/api/anime HTTP/1.1" "curl/7.88.1" - - '
    'arn:tg "Root=1-6b04d22c-da0a" "-" "-" 0 2026-11-23T23:54:20.393242Z "forward" "-" "-" '
    '"127.0.0.2:39015" "200" "-" "-" TID_938b "rid-1"'
)


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_an_alb_line_sits_at_its_request_creation_time():
    assert line_time("alb", ALB) == at("2026-11-23T23:54:20.393242")


def test_a_task_line_sits_at_the_start_of_its_request():
    line = '{"ts": "2026-11-23T23:54:20.634+00:00", "request_id": "rid-1", "duration_ms": 134.0}'
    assert abs(line_time("task/1399", line) - at("2026-11-23T23:54:20.500")) < 1e-6


def test_a_traceback_line_keeps_its_record_and_source():
    lines = list(
        parse(
            "harness",
            [
                "2026-11-23 23:54:13,989 INFO harness.data_plane.push_sink: pushed to dev-1",
                "Traceback (most recent call last):",
                "2026-11-23 23:54:14,000 INFO harness.data_plane.alb.balancer: in alb.log too",
                "2026-11-23 23:54:14,001 INFO harness.lifecycle.stack: ready",
                "2026-11-23 23:54:14,002 INFO harness.data_plane.mail_sink: mail to a@example.com",
                "2026-11-23 23:54:14,003 INFO harness.data_plane.cognito: code for s mailed",
            ],
        )
    )
    assert [(line.source, line.text[:9]) for line in lines] == [
        ("push-sink", "2026-11-2"),
        ("push-sink", "Traceback"),
        ("harness", "2026-11-2"),
        ("mail-sink", "2026-11-2"),
        ("cognito", "2026-11-2"),
    ]
    assert lines[0].time == lines[1].time


def test_the_follower_merges_files_and_reads_only_what_is_new(tmp_path):
    (tmp_path / "tasks").mkdir()
    (tmp_path / "alb-access.log").write_text(ALB + "\n")
    task = tmp_path / "tasks" / "task-animehub-api-1399499f91044b6c.log"
    task.write_text('{"ts": "2026-11-23T23:54:20.634+00:00", "request_id": "rid-1"}\n{"ts": "20')
    (tmp_path / "up.log").write_text("left out\n")
    follower = Follower(tmp_path)
    first = follower.read_new()
    assert [line.source for line in first] == ["alb", "task/1399499f"]
    task.write_text(task.read_text() + '26-11-23T23:54:21.000+00:00", "request_id": "rid-2"}\n')
    second = follower.read_new()
    assert [line.text for line in second] == [
        '{"ts": "2026-11-23T23:54:21.000+00:00", "request_id": "rid-2"}'
    ]
    assert not Filter(request_id="rid-1")(second[0])
    assert Filter(components=frozenset({"task"}), request_id="rid-2")(second[0])


def test_a_request_id_starting_with_a_dash_is_taken_as_the_value():
    from harness.cli_commands.logs import joined_values

    assert joined_values(["logs", "--request-id", "-Xy9=", "-f"]) == [
        "logs",
        "--request-id=-Xy9=",
        "-f",
    ]
