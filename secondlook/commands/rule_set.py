"""``secondlook rule set RULE [--severity S] [--section N] [--trust]``: a school's own
severity for a rule of the packs (``off`` leaves its findings out) and the policy section
it cites; with ``--trust`` the trust's default, for every school without its own. With
neither option, the setting is cleared (inherited again). Written to the audit log."""

from __future__ import annotations

import argparse

from moderation.rule_settings import CHOICES
from secondlook.commands import Command, UsageError, open_database, rulebook
from secondlook.config import get_settings


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rule", help="the rule's id, e.g. tone.insult (see `secondlook rule list`)")
    parser.add_argument("--severity", choices=CHOICES, default="",
                        help="how much its findings gate here (off: left out)")
    parser.add_argument("--section", default="", help="the policy section it cites here")
    parser.add_argument("--trust", action="store_true",
                        help="set the trust's default instead of this school's own")


def _run(args: argparse.Namespace) -> int:
    from consent_store.db import session_scope
    from moderation.rule_settings import RuleSetting, RuleSettingError
    from secondlook.rule_settings import said, set_rule

    settings = get_settings()
    rules, policy = rulebook(settings)
    setting = RuleSetting(args.severity, args.section.strip())
    db = open_database(settings)
    try:
        with session_scope(db) as session:
            try:
                set_rule(session=session, rules=rules, policy=policy, rule_id=args.rule,
                         setting=setting, user=None, trust=args.trust)
            except (RuleSettingError, LookupError) as exc:
                raise UsageError(str(exc).strip("'\"")) from exc
    finally:
        db.dispose()
    where = "the trust's default" if args.trust else "this school's setting"
    print(f"{args.rule}: {where} is now "
          f"{'cleared (inherited)' if setting.empty else said(setting)}. Drafts already "
          "checked keep their report until edited or `secondlook drafts recheck`.")
    return 0


COMMAND = Command(help="set a rule's severity or section for this school (or the trust)",
                  configure=_configure, run=_run)
