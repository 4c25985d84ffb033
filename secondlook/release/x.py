"""X (Twitter) posts through API v2 with an OAuth 2.0 user access token.

Each photo: ``POST /2/media/upload`` then ``POST /2/media/metadata`` with its alt
text (preparing: nothing public yet, safe to retry). Then ``POST /2/tweets``
with the text and the media ids (publishing).
"""

from __future__ import annotations

import httpx

from secondlook.release.adapters import ErrorAnswer, Published, classify, error_text, json_body
from secondlook.release.content import ReleaseContent, ReleaseImage
from secondlook.release.errors import ChannelError
from secondlook.release.retrying import send


def _classify(response: httpx.Response) -> ChannelError:
    body = json_body(response)
    answer = ErrorAnswer(error_text(body, "detail") or error_text(body, "title"))
    return classify(response, answer, name="X", token="access token", channel="twitter")


class XAdapter:
    channel = "twitter"

    def __init__(self, client: httpx.Client, *, base_url: str, token: str, username: str) -> None:
        self.client, self.base = client, base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"}
        self.username = username

    def _send(self, label: str, publishes: bool, path: str, **kwargs: object) -> dict:
        response = send(
            lambda: self.client.post(f"{self.base}{path}", headers=self.headers, **kwargs),
            classify=_classify, label=f"X {label}", publishes=publishes,
        )
        return response.json()

    def _upload(self, n: int, image: ReleaseImage) -> str:
        body = self._send(f"photo {n} upload", False, "/2/media/upload",
                          data={"media_category": "tweet_image", "media_type": image.media_type},
                          files={"media": (image.name or "photo", image.data, image.media_type)})
        media_id = str(body["data"]["id"])
        self._send(f"photo {n} alt text", False, "/2/media/metadata", json={
            "id": media_id, "metadata": {"alt_text": {"text": image.alt}}})
        return media_id

    def publish(self, content: ReleaseContent) -> Published:
        media_ids = [self._upload(n + 1, image) for n, image in enumerate(content.images)]
        payload: dict[str, object] = {"text": content.text}
        if media_ids:
            payload["media"] = {"media_ids": media_ids}
        tweet_id = str(self._send("post", True, "/2/tweets", json=payload)["data"]["id"])
        who = self.username or "i/web"
        return Published(remote_id=tweet_id, url=f"https://x.com/{who}/status/{tweet_id}")

    def delete(self, remote_id: str) -> bool:
        """Take the post down (``DELETE /2/tweets/{id}``); False: X has no such post."""
        try:
            send(lambda: self.client.delete(f"{self.base}/2/tweets/{remote_id}",
                                            headers=self.headers),
                 classify=_classify, label="X delete", publishes=False)
        except ChannelError as exc:
            if exc.status == 404:
                return False
            raise
        return True
