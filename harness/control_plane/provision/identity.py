"""Cognito: the fans' user pool and the web app's public client."""

from __future__ import annotations

from harness.control_plane.blueprint import Blueprint

AUTH_FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def _find_pool(cognito, name: str) -> str | None:
    for page in cognito.get_paginator("list_user_pools").paginate(MaxResults=60):
        for pool in page["UserPools"]:
            if pool["Name"] == name:
                return pool["Id"]
    return None


def _find_client(cognito, pool_id: str, name: str) -> str | None:
    for page in cognito.get_paginator("list_user_pool_clients").paginate(
        UserPoolId=pool_id, MaxResults=60
    ):
        for client in page["UserPoolClients"]:
            if client["ClientName"] == name:
                return client["ClientId"]
    return None


def provision_identity(cognito, bp: Blueprint) -> dict:
    pool_id = _find_pool(cognito, bp.user_pool)
    if pool_id is None:
        pool_id = cognito.create_user_pool(
            PoolName=bp.user_pool,
            UsernameAttributes=["email"],
            AutoVerifiedAttributes=["email"],
            Policies={
                "PasswordPolicy": {
                    "MinimumLength": bp.password_min_length,
                    "RequireUppercase": True,
                    "RequireLowercase": True,
                    "RequireNumbers": True,
                    "RequireSymbols": False,
                }
            },
        )["UserPool"]["Id"]
    client_id = _find_client(cognito, pool_id, bp.app_client)
    if client_id is None:
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=bp.app_client,
            GenerateSecret=False,
            ExplicitAuthFlows=AUTH_FLOWS,
        )["UserPoolClient"]["ClientId"]
    return {"user_pool_id": pool_id, "user_pool_client_id": client_id}
