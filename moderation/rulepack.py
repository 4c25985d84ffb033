"""Policy rule packs: YAML files in ``rules/``, loaded and validated once.

A rule is data: an id, the check it belongs to, a kind from a short fixed
list, a severity, the policy section it enforces, a message and a suggestion
for the author, its patterns and examples that must and must not match. A
broken pack fails at load with ``file:line``, the rule id and the reason, so
a school that edits a severity or adds a rule learns of a mistake before the
app serves anything.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from moderation.findings import CHECK_NAMES, Severity

#: What a rule's ``patterns`` are, per kind.
KINDS = {
    "regex": "regular expressions, run on the normalised text",
    "phrases": "words or phrases, matched whole-word and case-insensitively",
    "tokens": "spaCy Matcher token patterns, run on the parsed draft",
    "dependency": "spaCy DependencyMatcher patterns, run on the parsed draft",
    "words": "words whose disguised spellings (f*ck, sh1t, f.u.c.k) also match",
    "allegation": "allegation terms that count only next to an identifiable person or body",
    "about-someone": "terms (health, SEN, care status, religion) that count only in a sentence "
                     "about an identifiable person",
    "phone": "telephone numbers, found with the phonenumbers library",
    "co-occurrence": "groups of regular expressions: a sentence matching one of every group",
    "cross": "a learner both named in the text and recognised in a photo (no patterns)",
    "classifier": "the kinds a learned model (its 'model' file beside the pack) may name; a "
                  "sentence it scores at or above the rule's 'threshold' is a hit",
}
#: The placeholders a rule's message may use, per kind (text rules: the matched text).
PLACEHOLDERS = {"cross": frozenset({"name", "photo"})}
_TEXT_PLACEHOLDERS = frozenset({"text"})
#: In a cross rule's examples, what follows this marker names the learners pictured.
PICTURED = " | pictured: "
#: Kinds whose matching depends on the trained model (POS, entities, parse).
MODEL_KINDS = frozenset({"tokens", "dependency", "allegation", "about-someone", "classifier"})
#: Kinds whose hits are a term next to someone identifiable (they need ``targets``).
TARGETED_KINDS = frozenset({"allegation", "about-someone"})
_REQUIRED = ("id", "check", "kind", "severity", "policy", "message", "suggestion", "examples")
_KNOWN = set(_REQUIRED) | {"patterns", "ignore_case", "suffixes", "targets", "unless",
                           "requires", "region", "tags", "model", "threshold",
                           "__line__", "__lines__"}
# What makes someone identifiable: entity labels, words (roles), parts of speech (PROPN).
_TARGETS = ("entities", "words", "pos")
_ID = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)+$")


class RulePackError(ValueError):
    """A rule pack that cannot be used; the message names file, line, rule and reason."""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    check: str
    kind: str
    severity: Severity
    policy: str
    message: str
    suggestion: str
    patterns: tuple[Any, ...]
    examples_match: tuple[str, ...]
    examples_no_match: tuple[str, ...]
    where: str  # "path:line", for error messages
    ignore_case: bool = True
    suffixes: tuple[str, ...] = ()
    targets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unless: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()  # a hit counts only with one of these shortly before it
    region: str = "GB"
    tags: tuple[str, ...] = ()
    model: str = ""  # a classifier rule's weights: a path, resolved beside its pack
    threshold: float = 0.0  # a classifier rule's score a sentence must reach

    def render(self, **values: str) -> str:
        """The message with its placeholders ({text}, or {name} and {photo}) filled in."""
        message = " ".join(self.message.split())  # YAML's folded lines, as one line
        for key, value in values.items():
            message = message.replace("{" + key + "}", value)
        return message


class _LineLoader(yaml.SafeLoader):
    """Records the line of every mapping so errors can point at it."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        mapping["__lines__"] = {k.value: k.start_mark.line + 1 for k, _ in node.value
                                if isinstance(k, yaml.ScalarNode)}
        return mapping


class _Where(str):
    """``path:line`` of a rule, able to point at the line of one of its fields."""

    lines: dict[str, int]
    path: str

    def __new__(cls, path: str, raw: dict[str, Any]) -> _Where:
        obj = super().__new__(cls, f"{path}:{raw.get('__line__', '?')}")
        obj.lines = raw.get("__lines__", {})
        obj.path = path
        return obj

    def at(self, key: str) -> str:
        return f"{self.path}:{self.lines[key]}" if key in self.lines else str(self)


def _fail(where: str, rule_id: str, reason: str, key: str = "") -> RulePackError:
    place = where.at(key) if isinstance(where, _Where) and key else where
    return RulePackError(f"{place}: rule {rule_id!r}: {reason}")


def _str_list(raw: dict[str, Any], key: str, where: str, rid: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(where, rid, f"'{key}' must be a list of non-empty strings (quote words like "
                    "'off', 'yes' or 'no', which YAML reads as true/false)", key)
    return tuple(value)


def _examples(raw: dict[str, Any], where: str, rid: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    ex = raw["examples"]
    if not isinstance(ex, dict):
        raise _fail(where, rid, "'examples' must have 'match' and 'no_match' lists")
    match = _str_list(ex, "match", where, rid)
    no_match = _str_list(ex, "no_match", where, rid)
    if not match or not no_match:
        raise _fail(where, rid, "give at least one 'match' and one 'no_match' example", "examples")
    if raw.get("kind") == "cross" and not all(PICTURED in e for e in match + no_match):
        raise _fail(where, rid, f"each example of a cross rule is the post's text, then "
                    f"{PICTURED.strip()!r} and the learners the photo shows", "examples")
    return match, no_match


def _check_fields(raw: dict[str, Any], where: str, rid: str) -> None:
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise _fail(where, rid, f"missing {', '.join(missing)}")
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        known = ", ".join(sorted(k for k in _KNOWN if not k.startswith("__")))
        raise _fail(where, rid, f"unknown field {unknown[0]!r} (known: {known})", unknown[0])
    if not _ID.match(rid):
        raise _fail(where, rid, "ids are lower-case words joined by '.' or '-', e.g. tone.threat",
                    "id")
    if raw["check"] not in CHECK_NAMES:
        raise _fail(where, rid, f"check {raw['check']!r} is not one of {', '.join(CHECK_NAMES)}",
                    "check")
    if raw["kind"] not in KINDS:
        raise _fail(where, rid, f"kind {raw['kind']!r} is not one of {', '.join(KINDS)}", "kind")
    if raw["severity"] not in {s.value for s in Severity}:
        raise _fail(where, rid, f"severity {raw['severity']!r} is not one of info, review, block",
                    "severity")
    for key in ("message", "suggestion", "policy"):
        if not isinstance(raw[key], str | int | float) or not str(raw[key]).strip():
            raise _fail(where, rid, f"'{key}' must be a non-empty text", key)
    fields = {f for _, f, _, _ in string.Formatter().parse(str(raw["message"])) if f}
    allowed = PLACEHOLDERS.get(raw["kind"], _TEXT_PLACEHOLDERS)
    if fields - allowed:
        names = ", ".join("{" + a + "}" for a in sorted(allowed))
        raise _fail(where, rid, f"message may only use the placeholders {names}, not "
                    f"{', '.join(sorted(fields - allowed))}", "message")


def _validate_patterns(raw: dict[str, Any], where: str, rid: str) -> tuple[Any, ...]:
    kind = raw["kind"]
    if kind in ("phone", "cross"):
        if raw.get("patterns"):
            raise _fail(where, rid, f"a {kind} rule takes no patterns", "patterns")
        return ()
    patterns = raw.get("patterns")
    if not isinstance(patterns, list) or not patterns:
        raise _fail(where, rid, f"'patterns' must be a non-empty list of {KINDS[kind]}",
                    "patterns")
    if kind in ("regex", "phrases", "words", "allegation", "about-someone", "classifier"):
        patterns = list(_str_list(raw, "patterns", where, rid))
    if kind == "regex":
        flags = re.IGNORECASE if raw.get("ignore_case", True) else 0
        for pat in patterns:
            try:
                re.compile(pat, flags)
            except re.error as exc:
                raise _fail(where, rid, f"regex {pat!r} does not compile: {exc}",
                            "patterns") from None
    if kind in ("tokens", "dependency"):
        _validate_spacy(kind, patterns, where, rid)
    if kind == "co-occurrence":
        patterns = _validate_groups(raw, patterns, where, rid)
    return tuple(_strip_lines(p) for p in patterns)


def _validate_groups(raw: dict[str, Any], groups: list[Any], where: str,
                     rid: str) -> list[tuple[str, ...]]:
    """A co-occurrence rule's patterns: two or more lists of regular expressions."""
    if len(groups) < 2 or not all(isinstance(g, list) and g for g in groups):
        raise _fail(where, rid, "a co-occurrence rule's 'patterns' is a list of two or more "
                    "lists of regular expressions", "patterns")
    flags = re.IGNORECASE if raw.get("ignore_case", True) else 0
    out = []
    for group in groups:
        if not all(isinstance(p, str) and p for p in group):
            raise _fail(where, rid, "each pattern of a group must be a non-empty text", "patterns")
        for pat in group:
            try:
                re.compile(pat, flags)
            except re.error as exc:
                raise _fail(where, rid, f"regex {pat!r} does not compile: {exc}",
                            "patterns") from None
        out.append(tuple(group))
    return out


def _strip_lines(value: Any) -> Any:
    """Drop the loader's line markers from nested pattern dicts."""
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if not k.startswith("__line")}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _validate_spacy(kind: str, patterns: list[Any], where: str, rid: str) -> None:
    """Compile the patterns once in a throw-away matcher so mistakes show at load."""
    import spacy
    from spacy.matcher import DependencyMatcher, Matcher

    vocab = spacy.blank("en").vocab
    clean = _strip_lines(patterns)
    try:
        if kind == "tokens":
            Matcher(vocab, validate=True).add(rid, clean)
        else:
            DependencyMatcher(vocab, validate=True).add(rid, clean)
    except (ValueError, KeyError, TypeError) as exc:
        reason = " ".join(str(exc).split())[:300]
        raise _fail(where, rid, f"invalid {kind} pattern: {reason}", "patterns") from None


def _targets(raw: dict[str, Any], where: str, rid: str) -> dict[str, tuple[str, ...]]:
    value = raw.get("targets", {})
    if raw["kind"] in TARGETED_KINDS and not value:
        raise _fail(where, rid, f"an {raw['kind']} rule needs 'targets' (entities and/or words)")
    if not isinstance(value, dict) or set(value) - {*_TARGETS, "__line__", "__lines__"}:
        raise _fail(where, rid, f"'targets' may only have {', '.join(_TARGETS)} lists", "targets")
    return {k: _str_list(value, k, where, rid) for k in _TARGETS if k in value}


def _classifier(raw: dict[str, Any], where: _Where, rid: str) -> tuple[str, float]:
    """A classifier rule's model file and its threshold. The file is looked for beside the
    pack, then among the shipped ones (a school's folder may copy only the YAML packs)."""
    if raw["kind"] != "classifier":
        for key in ("model", "threshold"):
            if key in raw:
                raise _fail(where, rid, f"only a classifier rule takes '{key}'", key)
        return "", 0.0
    name, threshold = raw.get("model"), raw.get("threshold")
    if not isinstance(name, str) or not name.strip():
        raise _fail(where, rid, "a classifier rule needs 'model': the file of its weights")
    path = Path(where.path).parent / name
    if not path.is_file() and (Path(str(resources.files("rules"))) / name).is_file():
        path = Path(str(resources.files("rules"))) / name
    if not path.is_file():
        raise _fail(where, rid, f"model file {str(path)!r} does not exist (beside the pack "
                    "or among the shipped rules)", "model")
    if not isinstance(threshold, int | float) or not 0.5 < threshold < 1:
        raise _fail(where, rid, "a classifier rule needs a 'threshold' above 0.5 and below 1",
                    "threshold" if "threshold" in raw else "")
    return str(path), float(threshold)


def parse_rule(raw: Any, where: str) -> Rule:
    if not isinstance(raw, dict):
        raise RulePackError(f"{where}: each rule must be a mapping with an 'id'")
    rid = str(raw.get("id", "<no id>"))
    where = _Where(where.rsplit(":", 1)[0], raw)
    _check_fields(raw, where, rid)
    match, no_match = _examples(raw, where, rid)
    model, threshold = _classifier(raw, where, rid)
    return Rule(
        id=rid, check=raw["check"], kind=raw["kind"], severity=Severity(raw["severity"]),
        policy=str(raw["policy"]), message=str(raw["message"]).strip(),
        suggestion=str(raw["suggestion"]).strip(),
        patterns=_validate_patterns(raw, where, rid),
        examples_match=match, examples_no_match=no_match, where=where,
        ignore_case=bool(raw.get("ignore_case", True)),
        suffixes=_str_list(raw, "suffixes", where, rid),
        targets=_targets(raw, where, rid),
        unless=_str_list(raw, "unless", where, rid),
        requires=_str_list(raw, "requires", where, rid),
        region=str(raw.get("region", "GB")),
        tags=_str_list(raw, "tags", where, rid), model=model, threshold=threshold,
    )


def _read_pack(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else "?"
        raise RulePackError(f"{path}:{line}: not valid YAML: {exc}") from None
    except OSError as exc:
        raise RulePackError(f"{path}: cannot read the rule pack: {exc.strerror}") from None
    if not isinstance(data, dict) or not (isinstance(data.get("rules"), list)
                                          or isinstance(data.get("policy"), dict)):
        raise RulePackError(f"{path}:1: a rule pack is a mapping with a 'rules' list "
                            "(or the school's 'policy')")
    if "rules" in data and not isinstance(data["rules"], list):
        raise RulePackError(f"{path}:{data['__lines__'].get('rules', 1)}: 'rules' must be a list")
    return data


def load_pack(path: Path) -> list[Rule]:
    """Every rule of one YAML file; raises ``RulePackError`` naming file and line."""
    data = _read_pack(path)
    return [parse_rule(raw, f"{path}:?") for raw in data.get("rules", [])]


@dataclass(frozen=True, slots=True)
class Policy:
    """The school's policy: its sections in its own words, and what each code rule cites.

    Rules in the packs name their section themselves (``policy:``); findings made in code
    (names, people, faces, images, channels, accessibility) are cited through ``cites``,
    keyed by rule id or a prefix of it (``faces`` covers ``faces.no-photo-consent``).
    """

    title: str
    sections: dict[str, str]
    cites: dict[str, str]
    where: str

    def cite(self, rule_id: str) -> str:
        """The section a rule enforces: its most specific entry in ``cites``, else ''."""
        parts = rule_id.split(".")
        for n in range(len(parts), 0, -1):
            section = self.cites.get(".".join(parts[:n]))
            if section is not None:
                return section
        return ""


def _text_map(raw: Any, key: str, where: _Where) -> dict[str, str]:
    value = raw.get(key)
    if not isinstance(value, dict) or not [k for k in value if not str(k).startswith("__")]:
        raise RulePackError(f"{where.at(key)}: policy: '{key}' must map names to texts")
    out = {}
    for k, v in value.items():
        if str(k).startswith("__"):
            continue
        if not isinstance(v, str | int | float) or not str(v).strip():
            line = value.get("__lines__", {}).get(k, "?")
            raise RulePackError(f"{where.path}:{line}: policy: {key} {k!r} needs a text")
        out[str(k)] = " ".join(str(v).split())
    return out


def parse_policy(raw: Any, path: Path) -> Policy:
    """The ``policy`` mapping of a pack: ``title``, ``sections`` and ``cites``, validated."""
    if not isinstance(raw, dict):
        raise RulePackError(f"{path}:1: 'policy' must be a mapping of title, sections and cites")
    where = _Where(str(path), raw)
    unknown = sorted(k for k in raw if not k.startswith("__") and k not in
                     ("title", "sections", "cites"))
    if unknown:
        raise RulePackError(f"{where.at(unknown[0])}: policy: unknown field {unknown[0]!r} "
                            "(known: cites, sections, title)")
    sections = _text_map(raw, "sections", where)
    cites = _text_map(raw, "cites", where)
    for rule, section in cites.items():
        if section not in sections:
            line = raw["cites"].get("__lines__", {}).get(rule, "?")
            raise RulePackError(f"{path}:{line}: policy: {rule!r} cites section {section!r}, "
                                f"which is not one of the sections ({', '.join(sections)})")
    return Policy(str(raw.get("title", "")).strip(), sections, cites, str(where))


def default_pack_paths() -> list[Path]:
    folder = Path(str(resources.files("rules")))
    return sorted(folder.glob("*.yaml"))


def pack_paths(folder: Path | None) -> list[Path]:
    """The packs of a school's rules folder (``SECONDLOOK_RULES_DIR``), or the shipped ones."""
    return sorted(Path(folder).glob("*.yaml")) if folder else default_pack_paths()


def load_policy(paths: Iterable[Path] | None = None) -> Policy:
    """The ``policy`` of the given packs; the shipped one if none of them has one."""
    found = [(Path(p), _read_pack(Path(p))) for p in
             (default_pack_paths() if paths is None else paths)]
    found = [(p, d) for p, d in found if "policy" in d]
    if len(found) > 1:
        raise RulePackError(f"{found[1][0]}:1: a second 'policy' (the first is in "
                            f"{found[0][0]}): a rules folder describes one policy")
    if not found:
        shipped = [p for p in default_pack_paths() if "policy" in _read_pack(p)]
        found = [(p, _read_pack(p)) for p in shipped[:1]]
    if not found:
        raise RulePackError("no rule pack describes the school's policy ('policy:')")
    path, data = found[0]
    return parse_policy(data["policy"], path)


def load_rulebook(paths: Iterable[Path] | None = None) -> tuple[list[Rule], Policy]:
    """The rules and the policy they cite; every rule must cite one of its sections."""
    paths = None if paths is None else list(paths)
    rules, policy = load_rules(paths), load_policy(paths)
    for rule in rules:
        if rule.policy not in policy.sections:
            place = rule.where.at("policy") if isinstance(rule.where, _Where) else rule.where
            raise RulePackError(
                f"{place}: rule {rule.id!r}: policy section {rule.policy!r} is not one of the "
                f"sections of {policy.where.split(':')[0]} ({', '.join(policy.sections)})")
    return rules, policy


def load_rules(paths: Iterable[Path] | None = None) -> list[Rule]:
    """All rules of the given packs (default: the packs shipped in ``rules/``)."""
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in default_pack_paths() if paths is None else paths:
        for rule in load_pack(Path(path)):
            if rule.id in seen:
                raise RulePackError(
                    f"{rule.where}: rule {rule.id!r}: the id is already used at {seen[rule.id]}"
                )
            seen[rule.id] = rule.where
            rules.append(rule)
    return rules
