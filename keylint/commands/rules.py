"""`keylint rules [RULE]`: list the rules, or explain one."""

from __future__ import annotations

import sys

from keylint.options import RulesOptions


def run(options: RulesOptions) -> int:
    from keylint.reporters.rules import render_rule, render_rule_list
    from keylint.rules import all_rules, get

    if options.rule is None:
        sys.stdout.write(render_rule_list(all_rules()) + "\n")
    else:
        sys.stdout.write(render_rule(get(options.rule)) + "\n")
    return 0
