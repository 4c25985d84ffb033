"""The registry of checks. A new check is one module and one line here.

Order matters only where a check reads another's results: the face check reads
what the image check decoded, and the cross check comes last.
"""

from __future__ import annotations

from moderation.checks.accessibility import AccessibilityCheck
from moderation.checks.base import Check
from moderation.checks.channel import ChannelCheck
from moderation.checks.cross import CrossCheck
from moderation.checks.faces import FaceCheck
from moderation.checks.image import ImageCheck
from moderation.checks.learner_names import LearnerNameCheck
from moderation.checks.person_names import PersonNameCheck
from moderation.checks.personal_data import PersonalDataCheck
from moderation.checks.tone import ToneCheck


def default_checks() -> list[Check]:
    return [
        LearnerNameCheck(),
        PersonNameCheck(),
        PersonalDataCheck(),
        ToneCheck(),
        ChannelCheck(),
        AccessibilityCheck(),
        ImageCheck(),
        FaceCheck(),  # reads what ImageCheck decoded
        CrossCheck(),  # last: reads the name and face findings
    ]
