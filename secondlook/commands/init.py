from __future__ import annotations

import argparse

from secondlook.commands import Command, open_database
from secondlook.config import Settings, get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    pass


def _run(args: argparse.Namespace) -> int:
    from secondlook.database import current_revision

    engine = open_database(get_settings(), migrate_if_needed=True)
    url = engine.url.render_as_string(hide_password=True)
    print(f"Database ready at {url} (schema {current_revision(engine)}).")
    _face_encoder(get_settings())
    return 0


def _face_encoder(settings: Settings) -> None:
    """Build and check the fast face encoder now, so the first photo checked does not wait."""
    if settings.face_encoder != "onnx" or not settings.face_matching:
        return
    from moderation.images.onnx_encoder import OnnxBackend, face_backend

    backend = face_backend("onnx", settings.home / "models")
    if isinstance(backend, OnnxBackend):
        print(f"Face encoder ready: {backend.model_path} (checked against dlib's own).")
    else:
        print("Face encoder: the converted model could not be built or checked; faces are "
              "encoded by dlib itself (slower). See the warning above.")


COMMAND = Command(help="create or migrate the database and build the face encoder",
                  configure=_configure, run=_run)
