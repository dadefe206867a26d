"""KL0xx: problems of the policy files themselves, found while loading them (and waivers)."""

from __future__ import annotations

from keylint.rules import rule


@rule("KL001", "yaml-invalid")
def yaml_invalid() -> None:
    """The file cannot be read as YAML.

    What it checks:
        That the file is text (UTF-8, or UTF-16 with a BOM), under the 2 MiB size limit, one
        YAML document, free of duplicate mapping keys, of YAML tags that construct objects
        (`!!python/object`) and of alias expansions past 200,000 nodes (a "billion laughs").

    Why it matters:
        A file keylint cannot read declares nothing: the keys in it would silently go
        unchecked. Duplicate mapping keys are worse: YAML loaders keep one of the two values
        and drop the other without a word, so a second `permissions:` can widen a key unseen.

    Example:
        permissions: [reading]
        permissions: [reading, withdrawals]   # KL001: duplicate mapping key 'permissions'

    Fix:
        Correct the YAML at the reported line and column; keep one of any duplicated keys.

    Security severity:
        Low: a file keylint cannot read exposes nothing by itself, but every key in it goes
        unchecked and a duplicated field can hide a widened permission, so it ranks above
        bookkeeping. Precision very high: the YAML parser's own error.
    """


@rule("KL002", "schema-violation")
def schema_violation() -> None:
    """The file breaks the policy format.

    What it checks:
        The file against `schemas/policy.schema.json` (unknown or missing fields, wrong types,
        unknown permission names, bad key names), then what a schema cannot say: durations,
        IP addresses and CIDR ranges, waiver dates and rule ids, `ips` with
        `ip_restrict: false`, `api_key_env` without a secret or private key, and
        `rotate_warning` not shorter than `max_age`. Reported at the field's line and column
        with its path (`keys[2].permissions[0]`).

    Why it matters:
        A misspelt field (`permisions:`) would otherwise be ignored, and the key checked
        against a policy nobody wrote. A key entry with an error is left out of every other
        check and reported as such, so the error cannot hide a drift.

    Example:
        keys:
          - name: mm-bot
            permisions: [reading]   # KL002: unknown field 'permisions'; did you mean 'permissions'?

    Fix:
        Edit the field as the message says. Point your editor at the schema for completion:
        `# yaml-language-server: $schema=../schemas/policy.schema.json`.

    Security severity:
        Low: a broken entry exposes nothing by itself, but the key it declares is left out of every
        other check until it is fixed. Precision very high: the schema and keylint's own parsers
        decide.
    """


@rule("KL003", "duplicate-key")
def duplicate_key() -> None:
    """A key name is declared twice, or two entries can name the same live key.

    What it checks:
        That each `name` is unique across ALL policy files checked together, and that no two
        entries can name one live key, whatever their `status`: the same `api_key_env`, or
        the same `sub_account` (e-mail compared case-insensitively) and `api_name`.

    Why it matters:
        Two declarations of one key are two policies for one credential: whichever is checked
        second can contradict the first, and reports would name the wrong owner. A retired
        entry beside an active one with the same label (a rotation written by hand) would
        have `apply` delete the key the active entry declares. keylint never judges, and
        `apply` never changes or deletes, a key that two entries claim: `check` reports both
        entries unchecked and `plan` lists them as manual steps.

    Example:
        # policies/a.yaml            # policies/b.yaml
        - name: mm-bot               - name: mm-bot      # KL003, reported on the second

        - name: mm                   - name: mm-old      # KL003: one live key, two entries
          sub_account: mm@example.com  sub_account: MM@example.com
          api_name: mm-bot-eu          api_name: mm-bot-eu
                                       status: retired

    Fix:
        Rename one of the keys, or delete the declaration that is out of date. For a rotation,
        give the new key its own label on Binance and in its entry.

    Security severity:
        Low: two entries for one key leave that key unjudged (and `apply` leaves it alone), a loss
        of assurance rather than an exposure. Precision very high: names and labels are compared
        exactly.
    """


@rule("KL004", "secret-in-policy")
def secret_in_policy() -> None:
    """A value in the file looks like secret material.

    What it checks:
        Every line of the file, comments included, for a 64-character mixed-case
        alphanumeric token (the shape of a Binance API key or HMAC secret) and for PEM
        private key blocks (`-----BEGIN PRIVATE KEY-----`). keylint never prints the value.

    Why it matters:
        Policy files live in repositories that many people and CI systems can read; a secret
        committed there is leaked, whatever happens to the file afterwards.

    Example:
        secret_env: NhqPtmdSJYdKjVHjA7PZj4Mge3R5...   # KL004: the secret itself, not a NAME

    Fix:
        Remove the value, purge it from the repository history, revoke the key in Binance's
        API Management, and name the environment variable that holds it instead
        (`secret_env: BINANCE_MM_SECRET`).

    Security severity:
        High: a credential committed to a repository is leaked to everyone who can read it
        (CWE-540); how much it can do is bounded by that key's own permissions and IP binding, which
        the other rules rate, so high rather than critical. Precision medium: a 64-character mixed-
        case token is the shape of a Binance secret, but other tokens share it (a PEM private key
        block is certain).
    """


@rule("KL005", "waiver-expired")
def waiver_expired() -> None:
    """A waiver's `expires` date has passed.

    What it checks:
        Each waiver's `expires` against the run's clock (`--now`, default now). An expired
        waiver waives nothing: the findings it covered count again.

    Why it matters:
        Exceptions are granted for a time; one that outlives its reason becomes a permanent
        hole nobody decided on.

    Example:
        waivers:
          - rule: KL205
            reason: "venue rotates egress IPs; INFRA-123"
            expires: 2026-01-31      # KL005 once that day has passed

    Fix:
        Fix what the waiver covered and delete the waiver, or, if the exception still holds,
        extend `expires` with a fresh reason reviewed by the key's owner.

    Security severity:
        Low: bookkeeping; the expired waiver already waives nothing, so the findings it covered are
        reported at their own rating. Precision very high: a date compared with the run's clock.
    """


@rule("KL006", "waiver-unused")
def waiver_unused() -> None:
    """A waiver matched no finding although its rule ran.

    What it checks:
        Each unexpired waiver whose rule ran for the key and produced nothing to waive.
        `validate` runs only static rules, so a waiver of a live rule is judged by `check`.

    Why it matters:
        A waiver with nothing to waive is stale: it would silently cover the next, unrelated
        occurrence of the same problem.

    Example:
        - name: mm-bot
          ips: [203.0.113.10]
          waivers:
            - {rule: KL205, reason: "...", expires: 2027-01-31}   # KL006: the key is IP-bound

    Fix:
        Delete the waiver.

    Security severity:
        Low: bookkeeping; a stale waiver only matters once it silently covers a future finding.
        Precision very high: the waiver's rule ran and produced nothing to waive.
    """


@rule("KL007", "baseline-entry-unused")
def baseline_entry_unused() -> None:
    """A fingerprint in the baseline (`--baseline`) matched no finding although its rule ran.

    What it checks:
        Each fingerprint of the baseline file whose key was linted in this run by the rule
        it names (a live rule only when the key was checked) and that no finding carries
        any more. Reported once per entry, at the entry's line of the baseline file.

    Why it matters:
        A baseline lists the findings a fleet had when keylint was adopted, so that only new
        ones fail. An entry whose finding is fixed would silently accept the same problem
        if it came back; the baseline should only ever shrink.

    Example:
        {"fingerprint": "kl:KL205:mm-bot:futures", "rule": "KL205", "key": "mm-bot", ...}
        # KL007 once mm-bot is bound to an IP

    Fix:
        Write the baseline again (`keylint check --baseline FILE --write-baseline FILE`),
        or delete the entry.

    Security severity:
        Low: bookkeeping; a stale entry only matters once it silently accepts a future finding.
        Precision very high: the entry's rule ran on its key and produced nothing to accept.
    """
