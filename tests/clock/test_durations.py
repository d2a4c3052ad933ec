import pytest

from harness.clock import format_duration, parse_duration
from harness.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("181d", 181 * 86400), ("2h", 7200), ("30m", 1800), ("45s", 45), ("1d12h", 129600)],
)
def test_durations_a_user_types(text, seconds):
    assert parse_duration(text) == seconds
    assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize("text", ["", "2", "2x", "h", "-2h", "2h30", "two hours", "0s"])
def test_anything_else_is_one_line_naming_the_setting(text):
    with pytest.raises(ConfigError, match=r"^duration: .* (not a duration|not a positive)"):
        parse_duration(text, "duration")
