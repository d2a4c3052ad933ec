"""`harness up --seed`: a small, realistic sample, loaded the way fans would make it.

Fans sign up through Cognito as the web app does (confirmed by an admin: no code needed);
everything else goes through the edge's `/api/*`: each cover is uploaded on a presigned URL
from `POST /api/media/uploads`, each anime shared with `POST /api/anime`, follows set with
`PUT /api/me/follows`. Seeding a stack that already lists anime (kept by `--persist`) shares
nothing twice.
"""

from __future__ import annotations

import httpx

from harness.errors import HarnessError
from harness.testkit.fans import PASSWORD, Fan, create_fan, sign_in
from harness.testkit.images import png

FANS = ("seed-aiko@example.com", "seed-ren@example.com", "seed-mei@example.com")
# (title, genres, year, episodes, cover colour, synopsis): one page of the feed.
ANIME = (
    (
        "Cowboy Bebop",
        ["space", "noir"],
        1998,
        26,
        (30, 60, 140),
        "Bounty hunters drift through the solar system.",
    ),
    (
        "Mushishi",
        ["iyashikei", "mystery"],
        2005,
        26,
        (60, 120, 70),
        "Ginko wanders, tending to the mushi.",
    ),
    (
        "Planetes",
        ["space", "drama"],
        2003,
        26,
        (20, 20, 60),
        "Debris collectors in low Earth orbit.",
    ),
    (
        "Haikyu!!",
        ["sports", "comedy"],
        2014,
        25,
        (230, 120, 20),
        "A short middle blocker who wants to fly.",
    ),
    (
        "Serial Experiments Lain",
        ["cyberpunk", "mystery"],
        1998,
        13,
        (90, 20, 90),
        "The Wired is closer than it seems.",
    ),
    (
        "Natsume's Book of Friends",
        ["iyashikei", "supernatural"],
        2008,
        13,
        (200, 170, 90),
        "Returning names to the yokai.",
    ),
    (
        "Ghost in the Shell: SAC",
        ["cyberpunk", "action"],
        2002,
        26,
        (40, 140, 140),
        "Section 9 and the Laughing Man.",
    ),
    (
        "Yuru Camp",
        ["iyashikei", "comedy"],
        2018,
        12,
        (240, 200, 200),
        "Winter camping by Mount Fuji.",
    ),
    (
        "Ping Pong the Animation",
        ["sports", "drama"],
        2014,
        11,
        (220, 40, 40),
        "Smile and Peco at the table.",
    ),
    (
        "Space Brothers",
        ["space", "comedy"],
        2012,
        99,
        (100, 160, 220),
        "Two brothers, one promise, the Moon.",
    ),
)
FOLLOWS = {0: ["space", "cyberpunk"], 1: ["iyashikei"], 2: ["sports", "drama"]}


def _ok(response: httpx.Response) -> httpx.Response:
    if response.is_error:
        raise HarnessError(
            f"seeding: {response.request.method} {response.request.url.path} answered "
            f"{response.status_code}: {response.text[:200]}"
        )
    return response


def _fan(cognito, pool_id: str, client_id: str, email: str) -> Fan:
    try:
        return create_fan(cognito, pool_id, client_id, email=email)
    except cognito.exceptions.UsernameExistsException:
        sub = cognito.admin_get_user(UserPoolId=pool_id, Username=email)["Username"]
        return sign_in(cognito, client_id, Fan(email=email, password=PASSWORD, sub=sub))


def _share(api: httpx.Client, fan: Fan, entry: tuple) -> None:
    title, genres, year, episodes, colour, synopsis = entry
    cover = png(48, 64, colour)
    upload = api.post(
        "/api/media/uploads",
        json={"content_type": "image/png", "size": len(cover)},
        headers=fan.auth_header,
    )
    target = _ok(upload).json()
    put = httpx.put(
        target["upload"]["url"], content=cover, headers=target["upload"]["headers"], trust_env=False
    )
    _ok(put)
    body = {
        "title": title,
        "genres": genres,
        "year": year,
        "episodes": episodes,
        "synopsis": synopsis,
        "cover_key": target["key"],
    }
    _ok(api.post("/api/anime", json=body, headers=fan.auth_header))


def seed(endpoints, record, edge_url: str, push_sink) -> list[Fan]:
    """Sign the sample fans up, share the sample anime and set follows (each fan's device is
    on the push sink, as in the web stub); return the fans."""
    cognito = endpoints.client("cognito-idp")
    fans = [_fan(cognito, record.user_pool_id, record.user_pool_client_id, e) for e in FANS]
    with httpx.Client(base_url=edge_url, timeout=30, trust_env=False) as api:
        if not _ok(api.get("/api/anime", params={"limit": 1})).json()["items"]:
            for index, entry in enumerate(ANIME):
                _share(api, fans[index % len(fans)], entry)
        for index, genres in FOLLOWS.items():
            fan = fans[index]
            follows = {"genres": genres, "endpoint": push_sink.device_url(fan.device_id)}
            _ok(api.put("/api/me/follows", json=follows, headers=fan.auth_header))
    return fans


def credentials(fans: list[Fan]) -> list[dict[str, str]]:
    return [{"email": fan.email, "password": fan.password} for fan in fans]
