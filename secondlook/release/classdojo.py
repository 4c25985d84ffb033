"""Class Dojo has no public posting API: a manual release.

The releaser downloads a zip of exactly the approved text and the sanitised
photos (with their alt texts), posts them in Class Dojo, and pastes the
post's link back, which completes the release of that channel.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

from secondlook.release.content import ReleaseContent
from secondlook.release.links import post_link

_EXT = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}
# Fixed timestamps: the same approved content always gives the same zip bytes.
_EPOCH = (2020, 1, 1, 0, 0, 0)


def _add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def photo_names(content: ReleaseContent) -> list[str]:
    return [f"photo-{n + 1:02d}.{_EXT.get(i.media_type, 'bin')}"
            for n, i in enumerate(content.images)]


def export_zip(content: ReleaseContent) -> bytes:
    """post.txt, the photos, alt-text.txt and a manifest with every sha256."""
    content.verify()
    names = photo_names(content)
    manifest = {
        "draft": content.draft_id, "revision": content.revision,
        "content_sha256": content.approved_sha256,
        "photos": [{"file": n, "alt": i.alt, "sha256": _sha(i.data)}
                   for n, i in zip(names, content.images, strict=True)],
    }
    alt_lines = [f"{n}: {i.alt}" for n, i in zip(names, content.images, strict=True)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        _add(zf, "post.txt", content.text.encode("utf-8"))
        for name, image in zip(names, content.images, strict=True):
            _add(zf, name, image.data)
        _add(zf, "alt-text.txt", ("\n".join(alt_lines) + "\n").encode("utf-8"))
        _add(zf, "manifest.json", json.dumps(manifest, indent=2).encode("utf-8"))
    return out.getvalue()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_link(url: str) -> str:
    """The pasted link, if it is an https link to Class Dojo; ValueError says what to do."""
    checked = post_link("classdojo", url)
    if checked is None:
        raise ValueError(f"{url.strip()!r} is not a Class Dojo link: copy the post's address "
                         "(https://home.classdojo.com/…) from Class Dojo and paste it here")
    return checked
