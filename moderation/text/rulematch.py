"""Runs rule-pack rules over one draft and returns spans in the submitted text.

Rules are compiled once per engine (spaCy matchers, regexes); a ``TextView``
holds what one draft offers them: the normalised text (for regexes, phrases,
disguised words) and the one spaCy ``Doc`` (for token and dependency patterns).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from spacy.matcher import DependencyMatcher, Matcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from moderation.rulepack import Rule
from moderation.text.normalise import NormalisedText, normalise
from moderation.text.sentences import sentence_bounds, sentences, title_name_spans
from moderation.text.tone_model import model_at, sentence_buckets, sentence_vector
from moderation.text.words import DisguisedWords

SpanPair = tuple[int, int]


@dataclass
class TextView:
    """One draft as the rules see it; results are cached per view."""

    norm: NormalisedText
    doc: Doc
    cache: dict[str, dict[str, list[SpanPair]]] = field(default_factory=dict)
    #: per classifier model: each sentence, its score and the kind the model names
    scores: dict[str, list[tuple[SpanPair, float, str]]] = field(default_factory=dict)
    #: per (sentence, hashing width): its buckets and vector, computed once for every model
    features: dict[tuple[SpanPair, int], tuple[Any, Any]] = field(default_factory=dict)
    #: where the name checks found a learner or another person (an identifiable someone,
    #: however written: "@AmeliaEnglish", "A.u.t.u.m.n Dvořák"); set before the rules run
    people: list[SpanPair] = field(default_factory=list)
    _sentences: list[SpanPair] | None = None

    def sentence_at(self, char: int) -> SpanPair:
        """The sentence (or line) holding a character of the submitted text."""
        found = sentence_bounds(self.doc, char) if not self.sentences else None
        for start, end in self.sentences:
            if start <= char < end:
                return start, end
            if start > char:
                break
            found = (start, end)
        return found or (0, len(self.text))

    @property
    def sentences(self) -> list[SpanPair]:
        """The sentences and lines of the draft, found once for every rule."""
        if self._sentences is None:
            self._sentences = sentences(self.doc)
        return self._sentences

    @classmethod
    def of(cls, text: str, parse: Callable[[str], Doc]) -> TextView:
        return cls(norm=normalise(text), doc=parse(text))

    @property
    def text(self) -> str:
        return self.norm.source


def phrase_regex(phrases: Iterable[str]) -> re.Pattern[str]:
    """Whole-word, case-insensitive, any run of spaces between words."""
    alts = sorted({r"\s+".join(map(re.escape, p.split())) for p in phrases}, key=len, reverse=True)
    return re.compile(r"(?<![\w'])(?:" + "|".join(alts) + r")(?![\w])", re.IGNORECASE)


class RuleRunner:
    """All rules compiled against one vocabulary."""

    def __init__(self, rules: Iterable[Rule], vocab: Vocab) -> None:
        self.rules = {r.id: r for r in rules}
        self._tokens = Matcher(vocab)
        self._deps = DependencyMatcher(vocab)
        self._regex: dict[str, list[re.Pattern[str]]] = {}
        self._words: dict[str, DisguisedWords] = {}
        self._unless: dict[str, re.Pattern[str]] = {}
        self._requires: dict[str, re.Pattern[str]] = {}
        self._groups: dict[str, list[re.Pattern[str]]] = {}
        for rule in self.rules.values():
            self._compile(rule)

    def _compile(self, rule: Rule) -> None:
        if rule.unless:
            self._unless[rule.id] = phrase_regex(rule.unless)
        if rule.requires:
            self._requires[rule.id] = phrase_regex(rule.requires)
        if rule.kind == "regex":
            flags = re.IGNORECASE if rule.ignore_case else 0
            self._regex[rule.id] = [re.compile(p, flags) for p in rule.patterns]
        elif rule.kind in ("phrases", "allegation", "about-someone"):
            self._regex[rule.id] = [phrase_regex(rule.patterns)]
        elif rule.kind == "words":
            self._words[rule.id] = DisguisedWords(rule.patterns, rule.suffixes)
        elif rule.kind == "co-occurrence":
            flags = re.IGNORECASE if rule.ignore_case else 0
            self._groups[rule.id] = [re.compile("|".join(f"(?:{p})" for p in group), flags)
                                     for group in rule.patterns]
        elif rule.kind == "tokens":
            self._tokens.add(rule.id, list(rule.patterns))
        elif rule.kind == "dependency":
            self._deps.add(rule.id, list(rule.patterns))
        elif rule.kind == "classifier":
            model_at(rule.model)  # a model that cannot load fails when the engine starts

    def matches(
        self, view: TextView, rule_ids: Iterable[str] | None = None
    ) -> dict[str, list[SpanPair]]:
        """Source-text spans per rule id (only rules that matched)."""
        wanted = set(self.rules if rule_ids is None else rule_ids)
        key = ",".join(sorted(wanted))
        if key not in view.cache:
            found = {rid: self._find(self.rules[rid], view) for rid in sorted(wanted)}
            view.cache[key] = {rid: spans for rid, spans in found.items() if spans}
        return view.cache[key]

    def for_check(self, view: TextView, check: str) -> list[tuple[Rule, SpanPair]]:
        ids = [r.id for r in self.rules.values() if r.check == check]
        hits = self.matches(view, ids)
        return [(self.rules[rid], span) for rid in ids for span in hits.get(rid, [])]

    def _find(self, rule: Rule, view: TextView) -> list[SpanPair]:
        spans = self._raw_spans(rule, view)
        unless = self._unless.get(rule.id)
        if unless is not None:
            spans = [s for s in spans if not _near(unless, view, s)]
        requires = self._requires.get(rule.id)
        if requires is not None:
            spans = [s for s in spans if _shortly_before(requires, view.text, s)]
        return _dedupe(spans)

    def _raw_spans(self, rule: Rule, view: TextView) -> list[SpanPair]:
        if rule.kind == "cross":
            return []  # combines other checks' findings: nothing to match in the text
        if rule.kind in ("regex", "phrases"):
            return [view.norm.to_source(*m.span()) for p in self._regex[rule.id]
                    for m in p.finditer(view.norm.text) if m.end() > m.start()]
        if rule.kind == "words":
            return [view.norm.to_source(s, e) for s, e in self._words[rule.id].find(view.norm.text)]
        if rule.kind == "phone":
            return _phones(view.norm, rule.region)
        if rule.kind in ("allegation", "about-someone"):
            return self._allegations(rule, view)
        if rule.kind == "co-occurrence":
            return self._cooccurring(rule, view)
        if rule.kind == "classifier":
            if not view.doc.has_annotation("DEP"):
                return []  # the model was trained on parsed text: without a parse, no score
            return [span for span, score, kind in sentence_scores(view, rule.model)
                    if score >= rule.threshold and kind in rule.patterns]
        return self._spacy_spans(rule, view)

    def _spacy_spans(self, rule: Rule, view: TextView) -> list[SpanPair]:
        doc = view.doc
        if rule.kind == "tokens":
            key = view.doc.vocab.strings[rule.id]
            return [(doc[s].idx, doc[e - 1].idx + len(doc[e - 1])) for k, s, e in
                    self._tokens(doc) if k == key]
        if not doc.has_annotation("DEP"):
            return []  # a pipeline without a parser cannot evaluate dependency rules
        key = view.doc.vocab.strings[rule.id]
        out = []
        for k, ids in self._deps(doc):
            if k == key:
                toks = sorted(doc[i] for i in ids)
                out.append((toks[0].idx, toks[-1].idx + len(toks[-1])))
        return out

    def _cooccurring(self, rule: Rule, view: TextView) -> list[SpanPair]:
        """Sentences in which every group of the rule finds something."""
        groups = self._groups[rule.id]
        if not all(group.search(view.norm.text) for group in groups):
            return []  # one group finds nothing anywhere: no sentence can hold them all
        out = []
        for start, end in view.sentences:
            s, e = _to_norm(view.norm, start, end)
            if all(group.search(view.norm.text, s, e) for group in groups):
                out.append((start, end))
        return out

    def _allegations(self, rule: Rule, view: TextView) -> list[SpanPair]:
        """A negative allegation counts only in a sentence that names someone."""
        out = []
        for m in self._regex[rule.id][0].finditer(view.norm.text):
            term = view.norm.to_source(*m.span())
            sent = view.sentence_at(term[0])
            if _has_target(rule, view, sent, term):
                out.append(sent)
        return out


def _to_norm(norm: NormalisedText, start: int, end: int) -> SpanPair:
    """A span of the submitted text as offsets into the normalised text."""
    if norm.text is norm.source or len(norm.origin) == len(norm.source):
        return start, end
    import bisect

    return bisect.bisect_left(norm.origin, start), bisect.bisect_left(norm.origin, end)


def _has_target(rule: Rule, view: TextView, sent: SpanPair, term: SpanPair) -> bool:
    labels = set(rule.targets.get("entities", ()))
    if "PERSON" in labels and any(sent[0] <= s and e <= sent[1] and (e <= term[0] or term[1] <= s)
                                  for s, e in view.people):
        return True  # a learner or person the name checks found in the sentence
    for ent in view.doc.ents:
        inside = sent[0] <= ent.start_char and ent.end_char <= sent[1]
        overlaps_term = ent.start_char < term[1] and term[0] < ent.end_char
        if ent.label_ in labels and inside and not overlaps_term:
            return True
    text = view.text[sent[0] : sent[1]]
    if "PERSON" in labels and title_name_spans(text):
        return True
    pos = set(rule.targets.get("pos", ()))
    span = view.doc.char_span(sent[0], sent[1], alignment_mode="expand") if pos else None
    if span is not None and any(t.pos_ in pos and not (term[0] <= t.idx < term[1])
                                for t in span):
        return True
    words = rule.targets.get("words", ())
    return bool(words) and phrase_regex(words).search(text) is not None


def sentence_scores(view: TextView, model_path: str) -> list[tuple[SpanPair, float, str]]:
    """Each sentence with the model's score and the kind it names (once per draft)."""
    if model_path not in view.scores:
        model = model_at(model_path)
        out = []
        for span in view.sentences:
            # models of the same width share a sentence's features (tone, live location)
            key = (span, model.dims)
            if key not in view.features:
                view.features[key] = (
                    sentence_buckets(view.text[span[0]:span[1]], model.dims, view.doc, span),
                    sentence_vector(view.doc, span))
            buckets, vector = view.features[key]
            score = model.score(buckets, vector)
            # the kind is read only for a sentence some rule could flag (thresholds > 0.5)
            out.append((span, score, model.kind(buckets, vector) if score > 0.5 else ""))
        view.scores[model_path] = out
    return view.scores[model_path]


#: How far before a hit a rule's ``requires`` phrase may be (a birthday list's heading).
REQUIRES_WINDOW = 300


def _shortly_before(pattern: re.Pattern[str], text: str, span: SpanPair) -> bool:
    """One of the rule's ``requires`` phrases in the hit or up to 300 characters before it."""
    return pattern.search(text, max(0, span[0] - REQUIRES_WINDOW), span[1]) is not None


def _near(pattern: re.Pattern[str], view: TextView, span: SpanPair) -> bool:
    """An ``unless`` phrase anywhere in the sentence of the hit cancels it."""
    start, end = view.sentence_at(span[0])
    return pattern.search(view.text, start, max(end, span[1])) is not None


def _phones(norm: NormalisedText, region: str) -> list[SpanPair]:
    import phonenumbers

    out = []
    lenient = phonenumbers.Leniency.POSSIBLE
    for m in phonenumbers.PhoneNumberMatcher(norm.text, region, leniency=lenient):
        national = str(m.number.national_number)
        # POSSIBLE also accepts dates and scores; a real UK number has 9-10 digits
        # after the 0 and starts 1, 2, 3, 7 or 8 (fictional Ofcom ranges included).
        if len(national) >= 9 and national[0] in "12378":
            out.append(norm.to_source(m.start, m.end))
    return out


def _dedupe(spans: list[SpanPair]) -> list[SpanPair]:
    """Drop spans contained in another one, keep order of appearance."""
    spans = sorted(set(spans), key=lambda s: (s[0], -s[1]))
    out: list[SpanPair] = []
    for s in spans:
        if out and s[0] >= out[-1][0] and s[1] <= out[-1][1]:
            continue
        out.append(s)
    return out
