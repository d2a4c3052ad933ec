"""The request bodies the API accepts."""

from __future__ import annotations

from api.validation import HttpUrl, Integer, Object, String, StringList

GENRE = String(
    min_length=1,
    max_length=32,
    pattern=r"[a-z0-9]+(?:-[a-z0-9]+)*",
    description="lowercase slug, e.g. `slice-of-life`",
)
MEDIA_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}
MAX_MEDIA_BYTES = 5 * 1024 * 1024
COVER_KEY = String(
    min_length=1,
    max_length=256,
    pattern=r"media/users/[A-Za-z0-9_-]+/[0-9a-f]{32}\.(?:png|jpg|webp|gif)",
    nullable=True,
    description="a key from `POST /api/media/uploads`, under the sharer's own prefix",
)
ANIME_FIELDS = {
    "title": String(min_length=1, max_length=200),
    "synopsis": String(max_length=5000, multiline=True),
    "episodes": Integer(minimum=1, maximum=10000, nullable=True),
    "genres": StringList(item=GENRE, min_items=1, max_items=10),
    "year": Integer(minimum=1900, maximum=2100),
    "cover_key": COVER_KEY,
}

NEW_ANIME = Object(ANIME_FIELDS, required=frozenset({"title", "genres", "year"}))
ANIME_PATCH = Object(ANIME_FIELDS)
MEDIA_UPLOAD = Object(
    {
        "content_type": String(min_length=1, max_length=32, choices=tuple(MEDIA_TYPES)),
        "size": Integer(minimum=1, maximum=MAX_MEDIA_BYTES),
    },
    required=frozenset({"content_type", "size"}),
)
FOLLOWS = Object(
    {
        "genres": StringList(item=GENRE, min_items=0, max_items=20),
        "endpoint": HttpUrl(
            min_length=1,
            nullable=True,
            description="where SNS pushes shares of followed genres (http or https)",
        ),
    },
    required=frozenset({"genres"}),
)
