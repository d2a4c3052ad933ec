import pytest

from harness.data_plane.edge import path_pattern
from harness.data_plane.edge.cache_policy import CACHING_DISABLED, CACHING_OPTIMIZED
from harness.data_plane.edge.distribution import Behaviour, Distribution

# The examples of the CloudFront Developer Guide, "Path pattern" (cache behavior settings).
DOCUMENTED = [
    ("*.jpg", "/logo.jpg", True),
    ("*.jpg", "/images/product1/photo.jpg", True),
    ("images/*.jpg", "/images/sample.jpg", True),
    ("images/*.jpg", "/images/product1/sample.jpg", True),  # subdirectories too
    ("images/*.jpg", "/images/sample.gif", False),
    ("/images/*.jpg", "/images/sample.jpg", True),  # the leading / is optional
    ("/*.jpg", "/deep/dir/a.jpg", True),
    ("a*.jpg", "/apple.jpg", True),
    ("a*.jpg", "/appalachian_trail_2012_05_21.jpg", True),
    ("a*.jpg", "/banana.jpg", False),
    ("a??.jpg", "/ant.jpg", True),
    ("a??.jpg", "/abe.jpg", True),
    ("a??.jpg", "/ants.jpg", False),
    ("a??.jpg", "/a.jpg", False),
    ("*.doc*", "/report.doc", True),
    ("*.doc*", "/report.docx", True),
    ("*.doc*", "/report.docm", True),
    ("*.doc?", "/report.docx", True),
    ("*.doc?", "/report.doc", False),  # ? is exactly one character
    ("*.jpg", "/LOGO.JPG", False),  # case-sensitive
    ("/images/*", "/images/logo.png", True),
    ("/images/*", "/Images/logo.png", False),
    ("/images/*", "/images", False),
    ("/api/*", "/api/anime", True),
    ("/api/*", "/api/", True),
    ("/api/*", "/apix/anime", False),
    ("*", "/", True),
    ("/index.html", "/index.html", True),
    ("/index.html", "/index.htm", False),
    ("/a+b$.txt", "/a+b$.txt", True),  # regex metacharacters are literal
    ("/a+b$.txt", "/aab.txt", False),
]


@pytest.mark.parametrize(("pattern", "path", "expected"), DOCUMENTED)
def test_documented_examples(pattern, path, expected):
    assert path_pattern.matches(pattern, path) is expected


def _behaviour(pattern):
    return Behaviour(pattern, "o", frozenset({"GET"}), frozenset({"GET"}), CACHING_OPTIMIZED, None)


def test_first_matching_behaviour_wins_and_default_is_last():
    # The guide's example order: images/*.jpg, images/*, *.gif.
    behaviours = (
        _behaviour("images/*.jpg"),
        _behaviour("images/*"),
        _behaviour("*.gif"),
        Behaviour("*", "o", frozenset({"GET"}), frozenset({"GET"}), CACHING_DISABLED, None),
    )
    distribution = Distribution("D", "E", True, "", {}, behaviours, {})
    assert distribution.behaviour_for("/images/sample.gif").path_pattern == "images/*"
    assert distribution.behaviour_for("/images/a/b.jpg").path_pattern == "images/*.jpg"
    assert distribution.behaviour_for("/logo.gif").path_pattern == "*.gif"
    assert distribution.behaviour_for("/index.html").path_pattern == "*"
