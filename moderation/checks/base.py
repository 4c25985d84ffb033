"""What every check is, and what it is given: a ``Check`` runs on a ``CheckContext``.

Kept apart from the pipeline (which imports the checks) so that the checks can
name these types without importing the pipeline: the same reason Presidio keeps
``NlpArtifacts`` apart from its ``AnalyzerEngine``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import cached_property
from typing import Any, Protocol

from spacy.tokens import Doc

from consent_store.snapshot import RegisterSnapshot
from moderation.draft import Draft
from moderation.face_decisions import FaceDecision
from moderation.findings import Finding
from moderation.images.decode import DecodedImage
from moderation.report import ImageReport
from moderation.resources import Resources


class CheckContext:
    """Everything a check may read about one draft; expensive parts computed once."""

    def __init__(self, draft: Draft, register: RegisterSnapshot, resources: Resources,
                 doc: Doc | None = None,
                 face_decisions: Mapping[str, Sequence[FaceDecision]] | None = None) -> None:
        if doc is not None:
            self.__dict__["doc"] = doc  # parsed ahead, in a batch
        self.draft = draft
        self.register = register
        self.resources = resources
        self.findings: list[Finding] = []  # earlier checks' findings, for the cross check
        self.image_reports: list[ImageReport] = []
        self.decoded: dict[int, DecodedImage] = {}  # the image check's pixels, for the faces
        self.artifacts: dict[str, Any] = {}  # other intermediate results shared by checks
        # What people decided about faces, by photo SHA-256 (blurred, not a learner, who)
        self.face_decisions: Mapping[str, Sequence[FaceDecision]] = face_decisions or {}

    @cached_property
    def doc(self) -> Doc:
        return self.resources.get_nlp()(self.draft.text)

    @property
    def today(self) -> date:
        return self.register.as_of


class Check(Protocol):
    #: the ``check`` value of the findings it makes, and the name a crash is reported under
    name: str
    # A check with ``reads_text = True`` also runs on each photo's alt text, in a context
    # of its own; the engine sets ``image`` on its findings there (spans into the alt text).

    def run(self, ctx: CheckContext) -> Iterable[Finding]: ...
