"""What a request handler works with, made once per process in the app's lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from api.anime_store import AnimeStore
from api.auth import JwksCache, TokenVerifier
from api.aws import AwsClients
from api.fan_store import FanStore
from api.media import MediaUploads
from api.settings import Settings


@dataclass(frozen=True)
class Services:
    settings: Settings
    anime: AnimeStore
    fans: FanStore
    media: MediaUploads
    verifier: TokenVerifier

    @classmethod
    def create(cls, settings: Settings, clients: AwsClients | None = None) -> Services:
        clients = clients or AwsClients.create(settings.region)
        return cls(
            settings=settings,
            anime=AnimeStore(
                dynamodb=clients.dynamodb,
                sns=clients.sns,
                table=settings.anime_table,
                feed_index=settings.anime_feed_index,
                topic_arn=settings.shared_topic_arn,
            ),
            fans=FanStore(
                dynamodb=clients.dynamodb,
                sns=clients.sns,
                table=settings.users_table,
                topic_arn=settings.shared_topic_arn,
            ),
            media=MediaUploads(s3=clients.s3, bucket=settings.media_bucket),
            verifier=TokenVerifier(
                issuer=settings.issuer,
                client_id=settings.client_id,
                jwks=JwksCache(settings.jwks_url),
            ),
        )
