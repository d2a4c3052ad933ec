from harness.lifecycle.status_view import render

DOC = {
    "components": {
        "emulator": {"backend": "embedded"},
        "load_balancer": {
            "health_check": {"path": "/api/health", "interval": 5.0},
            "targets": [
                {
                    "id": "127.0.0.2",
                    "port": 4100,
                    "state": "unhealthy",
                    "reason": "Target.ResponseCodeMismatch",
                    "in_flight": 0,
                    "served": 7,
                }
            ],
        },
        "ecs_agent": {
            "services": {
                "animehub-api": {
                    "desired": 2,
                    "running": 1,
                    "healthy": 0,
                    "problem": None,
                    "tasks": [
                        {
                            "id": "abcdef0123456789",
                            "host": "127.0.0.2",
                            "port": 4100,
                            "pid": 42,
                            "state": "RUNNING",
                            "alb_state": "unhealthy",
                        }
                    ],
                }
            }
        },
        "edge": {"error": "RuntimeError: boom"},
        "push_sink": None,
        "edge_cache": [
            {"path": "/index.html", "status": 200, "age": 3.2, "ttl": 1, "fresh": False}
        ],
    }
}


def test_each_component_says_whether_it_is_ok():
    lines = render(DOC).splitlines()
    assert "emulator: ok" in lines
    assert "edge: error: RuntimeError: boom" in lines
    assert "push_sink: not running" in lines


def test_tasks_targets_and_cache_entries_are_rows():
    text = render(DOC)
    assert "desired 2, running 1, healthy 0" in text
    assert any(
        line.split() == ["abcdef012345", "127.0.0.2:4100", "42", "RUNNING", "unhealthy", "-"]
        for line in text.splitlines()
    )
    assert any("Target.ResponseCodeMismatch" in line and "7" in line for line in text.splitlines())
    assert any(
        line.split() == ["/index.html", "200", "3s", "1s", "stale"] for line in text.splitlines()
    )


def test_scaling_activities_are_listed_newest_first():
    activity = {"ResourceId": "service/animehub/animehub-api", "StatusCode": "Successful"}
    doc = {
        "components": {
            "autoscaling": {
                "recent_activities": [
                    activity | {"Description": "Setting desired count to 2."},
                    activity | {"Description": "Setting desired count to 3."},
                ]
            }
        }
    }
    lines = render(doc).splitlines()
    first = lines.index("scaling activities (newest first):")
    assert lines[first + 1 : first + 3] == [
        "  service/animehub/animehub-api: Setting desired count to 2. Successful",
        "  service/animehub/animehub-api: Setting desired count to 3. Successful",
    ]


def test_the_task_runtime_and_its_parent_are_named():
    agent = {"runtime": {"name": "process", "why": "the default", "pid": 4242}}
    text = render({"components": {"ecs_agent": agent}})
    assert "ECS tasks: the process runtime (the default)" in text
    assert "forked from a pre-imported parent, pid 4242" in text
