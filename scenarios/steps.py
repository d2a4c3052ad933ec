"""Steps the scenarios share: what a fan does in the web app, and what the edge told them."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from playwright.sync_api import Page, Response, expect

ANIME_URL = re.compile(r"/anime/(?P<id>[0-9a-f]{32})$")


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def unique_genre(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def fill_share_form(page: Page, title: str, genres: list[str], year: int = 2006) -> None:
    page.get_by_test_id("nav-share").click()
    page.get_by_test_id("share-title").fill(title)
    page.get_by_test_id("share-year").fill(str(year))
    page.get_by_test_id("share-genres").fill(", ".join(genres))
    page.get_by_test_id("share-synopsis").fill(f"{title}, shared by a scenario.")


def submit_share(page: Page, title: str) -> str:
    """Submits the filled form; returns the new anime's id once its page shows it."""
    page.get_by_test_id("share-submit").click()
    expect(page.get_by_test_id("detail-title")).to_have_text(title)
    match = ANIME_URL.search(page.url)
    assert match, f"after sharing, the app is at {page.url}, not an anime's page"
    return match["id"]


def share_through_app(page: Page, title: str, genres: list[str], year: int = 2006) -> str:
    fill_share_form(page, title, genres, year)
    return submit_share(page, title)


def list_titles(page: Page):
    return page.get_by_test_id("anime-title")


def the_list(page: Page):
    """The list as a fan sees it: items, or the line saying nothing is shared yet."""
    return page.get_by_test_id("anime-list").or_(page.get_by_test_id("anime-empty"))


def refresh_list(page: Page) -> None:
    page.get_by_test_id("refresh-list").click()
    expect(page.get_by_test_id("view")).not_to_have_attribute("aria-busy", "true")


@dataclass
class EdgeLog:
    """Every response the page got from the edge: path, status and X-Cache."""

    origin: str
    seen: list[tuple[str, int, str]] = field(default_factory=list)

    def record(self, response: Response) -> None:
        if response.url.startswith(self.origin):
            path = response.url[len(self.origin) :].split("?")[0]
            self.seen.append((path, response.status, response.headers.get("x-cache", "")))

    def under(self, prefix: str) -> list[tuple[str, int, str]]:
        return [s for s in self.seen if s[0].startswith(prefix)]


def watch_edge(page: Page, edge_url: str) -> EdgeLog:
    log = EdgeLog(edge_url)
    page.on("response", log.record)
    return log
