"""Issue 12's targets for the text checks on the held-out corpus, and how a result meets them.

A target is (figure, direction, value): recall and precision must reach it ("min"), shares
of posts wrongly flagged or drafts wrongly passed must stay under it ("max"). Figures are
named ``group.measure`` or ``group.kind.recall`` (see ``score.CorpusScore``).
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.corpus.score import CorpusScore

LEARNER_FORMS = ("after_title", "first_name", "full_name", "handle", "hashtag",
                 "initial_surname", "lowercase", "misspelled", "no_diacritics", "obfuscated",
                 "possessive", "preferred_name", "surname_initial", "surname_only", "uppercase",
                 "url", "word_name")
PERSONAL_KINDS = ("address", "date_of_birth", "email", "nhs_number", "ni_number", "phone",
                  "postcode", "special_category", "upn")
TONE_KINDS = ("defamation", "hurtful_child", "identity_attack", "insult", "profanity", "threat")


@dataclass(frozen=True)
class Target:
    figure: str
    direction: str  # "min": at least; "max": at most
    value: float

    def met(self, got: float) -> bool:
        return got >= self.value if self.direction == "min" else got <= self.value


def _targets() -> list[Target]:
    out = [Target("learner_name.recall", "min", 0.99),
           Target("learner_name.precision", "min", 0.97),
           Target("must_block_passing.rate", "max", 0.0),
           Target("person_name.recall", "min", 0.95),
           Target("person_name.precision", "min", 0.90),
           Target("staff_flagged.rate", "max", 0.0),
           Target("personal_data.precision", "min", 0.97),
           Target("tone_free_flagged.rate", "max", 0.02),
           Target("location.recall", "min", 0.90),
           Target("location_free_flagged.rate", "max", 0.02)]
    out += [Target(f"learner_name.{k}.recall", "min", 0.95) for k in LEARNER_FORMS]
    out += [Target(f"personal_data.{k}.recall", "min", 0.98) for k in PERSONAL_KINDS]
    out += [Target(f"tone.{k}.recall", "min", 0.90) for k in TONE_KINDS]
    return out


TARGETS = _targets()


def figure(result: CorpusScore, name: str) -> float:
    """One named figure of a corpus score."""
    parts = name.split(".")
    shares = {"must_block_passing": result.must_block_passing, "staff_flagged": result.staff,
              "tone_free_flagged": result.tone_free_flagged,
              "location_free_flagged": result.location_free_flagged}
    if parts[0] in shares:
        return shares[parts[0]].rate
    if len(parts) == 2:
        return float(getattr(result.checks[parts[0]], parts[1]))
    return float(getattr(result.kind(parts[0], parts[1]), parts[2]))
