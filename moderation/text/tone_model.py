"""A small learned model of tone: which sentences read as a threat, an insult, an attack.

Rules catch what the policy names exactly (a swear word, "watch your back"); the open
language of a threat or an insult ("you won't like what comes next") is what a model is
for. This one is a logistic regression over hashed features of one sentence: its words,
word pairs, letter runs inside words (so "stupid" and "stupidest" share weight) and a few
features of the parse (who does what to whom: "nsubj:i>find", "dobj:sort>him"). A second
head, trained on the tone sentences only, says which kind of problem it most looks like.

The weights are trained by ``tests/corpus/train_tone.py`` (deterministic) on the labelled
development corpora and ship in ``rules/`` (``tone_model.npz``); nothing downloads. The
threshold a sentence must reach is a rule's data (``rules/tone.yaml``, kind ``classifier``).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from spacy.tokens import Doc

#: The kinds the second head tells apart, in the order of its rows.
KINDS = ("threat", "insult", "identity_attack", "defamation", "profanity", "hurtful_child")
#: The width of the parse's token vectors (en_core_web_sm's tok2vec).
VECTOR_WIDTH = 96
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Parse relations that carry who does what to whom, and what is said of someone.
_DEPS = frozenset({"nsubj", "nsubjpass", "dobj", "pobj", "aux", "neg", "amod", "acomp",
                   "attr", "advmod", "xcomp", "ccomp", "prt", "dative", "oprd", "npadvmod"})


class ToneModelError(RuntimeError):
    """The model file is missing or not a model this code can read."""


def _hash(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8"))


def _word_features(word: str) -> list[str]:
    """A word's own features: itself and, for a longer word, its runs of 4 and 5 letters."""
    out = [f"w:{word}"]
    if len(word) >= 4 and not word.isdigit():
        padded = f" {word} "
        out += [f"c:{padded[i:i + n]}" for n in (4, 5) for i in range(len(padded) - n + 1)]
    return out


# Words recur from post to post: the hashes of their features are remembered (bounded).
_WORD_HASHES: dict[str, tuple[int, ...]] = {}
_WORDS_KEPT = 100_000


def _word_hashes(word: str) -> tuple[int, ...]:
    found = _WORD_HASHES.get(word)
    if found is None:
        if len(_WORD_HASHES) >= _WORDS_KEPT:
            _WORD_HASHES.clear()
        found = _WORD_HASHES[word] = tuple(_hash(f) for f in _word_features(word))
    return found


def _sentence_only(text: str, words: list[str], doc: Doc | None,
                   span: tuple[int, int] | None) -> list[str]:
    """The features of the sentence as a whole: word pairs, its shape, its parse."""
    feats = [f"b:{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 8 and sum(c.isupper() for c in letters) > 0.7 * len(letters):
        feats.append("s:caps")
    if "!" in text:
        feats.append("s:excl")
    if doc is not None and span is not None and doc.has_annotation("DEP"):
        feats += _parse_features(doc, span)
    return feats


def sentence_features(text: str, doc: Doc | None = None, span: tuple[int, int] | None = None
                      ) -> list[str]:
    """The named features of one sentence (``span`` into ``doc``'s text, when parsed)."""
    words = _WORD.findall(text.lower())
    return [f for w in words for f in _word_features(w)] + _sentence_only(text, words, doc, span)


def sentence_buckets(text: str, dims: int, doc: Doc | None = None,
                     span: tuple[int, int] | None = None) -> np.ndarray:
    """The distinct buckets of ``sentence_features`` (each counts once), computed faster."""
    words = _WORD.findall(text.lower())
    hashes = {h for w in words for h in _word_hashes(w)}
    hashes.update(_hash(f) for f in _sentence_only(text, words, doc, span))
    mask = dims - 1
    return np.array(sorted({h & mask for h in hashes}), dtype=np.int64)


def _parse_features(doc: Doc, span: tuple[int, int]) -> list[str]:
    sent = doc.char_span(span[0], span[1], alignment_mode="expand")
    if sent is None:
        return []
    out = []
    for tok in sent:
        if tok.dep_ in _DEPS:
            out.append(f"d:{tok.dep_}:{tok.head.lower_}>{tok.lower_}")
            out.append(f"p:{tok.dep_}:{tok.head.pos_}>{tok.lower_}")
        elif tok.dep_ == "ROOT":
            out.append(f"r:{tok.lower_}")
    return out


def sentence_vector(doc: Doc, span: tuple[int, int]) -> np.ndarray:
    """The mean of the parse's own token vectors over the sentence (zeros without them):
    what the words mean in context, so "scum" and "vermin" land near each other."""
    width = doc.tensor.shape[1] if doc.tensor is not None and doc.tensor.ndim == 2 else 0
    sent = doc.char_span(span[0], span[1], alignment_mode="expand") if width else None
    if sent is None or not len(sent) or doc.tensor.shape[0] != len(doc):
        return np.zeros(VECTOR_WIDTH, dtype=np.float32)
    vec = doc.tensor[sent.start:sent.end].mean(axis=0)
    return vec.astype(np.float32) if len(vec) == VECTOR_WIDTH else np.zeros(VECTOR_WIDTH,
                                                                             dtype=np.float32)


def hashed(features: Iterable[str], dims: int) -> np.ndarray:
    """The distinct buckets of some features (each counts once)."""
    mask = dims - 1
    return np.array(sorted({_hash(f) & mask for f in features}), dtype=np.int64)


@dataclass(frozen=True)
class ToneModel:
    """Weights of both heads; ``score`` is the chance a sentence is a tone problem."""

    dims: int
    weights: np.ndarray  # (dims,) the tone-or-not head
    bias: float
    kind_weights: np.ndarray  # (len(KINDS), dims) which kind, trained on tone sentences
    kind_bias: np.ndarray  # (len(KINDS),)
    dense_weights: np.ndarray  # (VECTOR_WIDTH,) of the sentence vector
    kind_dense_weights: np.ndarray  # (len(kinds), VECTOR_WIDTH)
    #: the kinds the second head names, in the order of its rows (a one-kind model, such
    #: as live location's, always names its one kind)
    kinds: tuple[str, ...] = KINDS

    def score(self, buckets: np.ndarray, vector: np.ndarray) -> float:
        if not len(buckets):
            return 0.0
        z = (float(self.weights[buckets].sum()) / np.sqrt(len(buckets)) + self.bias
             + float(vector @ self.dense_weights))
        return float(1.0 / (1.0 + np.exp(-z)))

    def kind(self, buckets: np.ndarray, vector: np.ndarray) -> str:
        if not len(buckets) or len(self.kinds) == 1:
            return self.kinds[0]
        z = (self.kind_weights[:, buckets].sum(axis=1) / np.sqrt(len(buckets))
             + self.kind_dense_weights @ vector + self.kind_bias)
        return self.kinds[int(np.argmax(z))]

    def save(self, path: Path) -> None:
        """Weights as 8-bit steps of one scale per head: a small file, a negligible loss."""
        scale = float(np.abs(self.weights).max() or 1.0) / 127
        kscale = float(np.abs(self.kind_weights).max() or 1.0) / 127
        np.savez_compressed(
            path, dims=np.int64(self.dims), bias=np.float64(self.bias), scale=np.float64(scale),
            weights=np.round(self.weights / scale).astype(np.int8),
            kind_scale=np.float64(kscale), kind_bias=self.kind_bias.astype(np.float64),
            kind_weights=np.round(self.kind_weights / kscale).astype(np.int8),
            dense_weights=self.dense_weights.astype(np.float32),
            kind_dense_weights=self.kind_dense_weights.astype(np.float32),
            kinds=np.array(self.kinds))


def load_model(path: Path) -> ToneModel:
    try:
        with np.load(path) as data:
            return ToneModel(
                dims=int(data["dims"]), bias=float(data["bias"]),
                weights=data["weights"].astype(np.float32) * float(data["scale"]),
                kind_weights=data["kind_weights"].astype(np.float32) * float(data["kind_scale"]),
                kind_bias=data["kind_bias"].astype(np.float32),
                dense_weights=data["dense_weights"].astype(np.float32),
                kind_dense_weights=data["kind_dense_weights"].astype(np.float32),
                kinds=tuple(str(k) for k in data["kinds"]) if "kinds" in data.files else KINDS)
    except (OSError, KeyError, ValueError) as exc:
        raise ToneModelError(f"{path}: not a tone model this version can read ({exc}); "
                             "rebuild it with python -m tests.corpus.train_tone") from exc


#: Models put in place of a file, by its name (the training script's cross-corpus figures).
OVERRIDES: dict[str, ToneModel] = {}


@lru_cache(maxsize=4)
def _load_cached(path: str) -> ToneModel:
    return load_model(Path(path))


def model_at(path: str) -> ToneModel:
    """The model of a classifier rule, loaded once per process."""
    return OVERRIDES.get(Path(path).name) or _load_cached(path)
