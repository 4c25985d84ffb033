"""Checking a post's link pasted back by a person, before it is stored and shown as a link.

Parsed with ada-url, an implementation of the WHATWG URL Standard: the parser browsers
use, so the host we compare is the host a click would open. Python's ``urlsplit`` reads
``https://evil.example\\@classdojo.com/`` as a Class Dojo link while a browser opens
evil.example. On top of the parse: https only, no user name or password, no backslash,
no port, and the host equal to one of the channel's own hosts (no "ends with").
"""

from __future__ import annotations

import re

import ada_url

HOSTS: dict[str, frozenset[str]] = {
    "classdojo": frozenset({"classdojo.com", "www.classdojo.com", "home.classdojo.com",
                            "teach.classdojo.com"}),
    "facebook": frozenset({"facebook.com", "www.facebook.com", "m.facebook.com",
                           "web.facebook.com", "fb.com", "www.fb.com"}),
    "twitter": frozenset({"x.com", "www.x.com", "mobile.x.com", "twitter.com",
                          "www.twitter.com", "mobile.twitter.com"}),
}
HOME = {"classdojo": "home.classdojo.com", "facebook": "www.facebook.com", "twitter": "x.com"}
_UNSAFE = re.compile(r"[\\\s\x00-\x1f\x7f]")


def post_link(channel: str, url: str) -> str | None:
    """The link as a browser would normalise it, if it is an https link on one of the
    channel's hosts; otherwise None."""
    url = url.strip()
    if not url or _UNSAFE.search(url):
        return None
    try:
        parts = ada_url.parse_url(url)
    except ValueError:
        return None
    if parts["protocol"] != "https:" or parts["username"] or parts["password"] \
            or parts["port"]:
        return None
    if parts["hostname"] not in HOSTS.get(channel, frozenset()):
        return None
    return str(parts["href"])
