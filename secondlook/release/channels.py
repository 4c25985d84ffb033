"""Building the adapter for a channel from settings and stored credentials."""

from __future__ import annotations

import httpx
from sqlmodel import Session

from consent_store.channels import CHANNELS
from consent_store.channels import channel as channel_info
from secondlook.config import Settings
from secondlook.release.adapters import Adapter
from secondlook.release.credentials import load_credentials
from secondlook.release.facebook import FacebookAdapter
from secondlook.release.retrying import RetryPolicy
from secondlook.release.x import XAdapter

#: Channels without a posting API: released by a download and a pasted link.
MANUAL_CHANNELS = tuple(c for c in CHANNELS if not channel_info(c).api)


def http_client(settings: Settings) -> httpx.Client:
    timeout = httpx.Timeout(settings.release_timeout_seconds, connect=10.0)
    return httpx.Client(timeout=timeout, follow_redirects=False)


def policy_from(settings: Settings) -> RetryPolicy:
    return RetryPolicy(max_attempts=max(1, settings.release_max_attempts),
                       max_wait=settings.release_max_wait_seconds)


def build_adapter(*, session: Session, channel: str, client: httpx.Client, settings: Settings,
                  key: bytes) -> Adapter:
    creds = load_credentials(session=session, channel=channel, key=key)
    if channel == "facebook":
        return FacebookAdapter(client, base_url=settings.facebook_graph_url,
                               page_id=creds["page_id"], token=creds["token"])
    if channel == "twitter":
        return XAdapter(client, base_url=settings.x_api_url, token=creds["token"],
                        username=creds["username"])
    raise ValueError(f"{channel} is released by hand, not through an API")
