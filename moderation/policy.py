"""The sections of the school's social media policy that findings cite.

Numbered after the common UK template (Kent's) that Second Look implements;
a school whose policy is numbered differently changes them here and in
``rules/``.
"""

from __future__ import annotations

SECTIONS: dict[str, str] = {
    "1": "Posts are read and agreed by at least one other colleague",
    "2": "Communication is clear, transparent and open to scrutiny; no member of the "
         "community is excluded",
    "3": "Official channels are Class Dojo, Facebook and Twitter",
    "4.1": "No personal information about learners or their family members",
    "4.2": "Appropriate consent has been given before sharing images",
    "4.3": "Nothing threatening, hurtful or defamatory",
    "4.4": "Be aware of location sharing",
    "5": "Concerns go to the DSL and the headteacher",
    "7": "The policy is reviewed at least annually",
}

ACCESSIBILITY = "2"
CHANNELS = "3"
PERSONAL_INFORMATION = "4.1"
IMAGE_CONSENT = "4.2"
TONE = "4.3"
LOCATION = "4.4"
