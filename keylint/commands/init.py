"""`keylint init`: a policy that matches keys as Binance (or a state file) shows them now."""

from __future__ import annotations

import sys

from keylint.commands.common import say
from keylint.errors import UsageError
from keylint.options import InitOptions, clock


def run(options: InitOptions) -> int:
    from keylint.adopt import (
        KeyRequest,
        MasterRequest,
        adopt_from_binance,
        adopt_from_state,
        check_names,
        render_policy,
    )
    from keylint.output import write_atomic

    check_names(
        options.name,
        {
            "--api-key-env": options.api_key_env,
            "--secret-env": options.secret_env,
            "--private-key-env": options.private_key_env,
            "--master-api-key-env": options.master_api_key_env,
            "--master-secret-env": options.master_secret_env,
            "--master-private-key-env": options.master_private_key_env,
        },
    )
    problems: list[str] = []
    master = None
    if options.master_api_key_env:
        master = MasterRequest(
            options.master_api_key_env,
            options.master_secret_env,
            options.master_private_key_env,
        )
    sub_account = options.sub_account
    if options.state is not None:
        from keylint.binance.state import read_state

        keys = adopt_from_state(read_state(options.state), sub_account)
        source = str(options.state)
    else:
        own = None
        if options.api_key_env:
            if not (options.secret_env or options.private_key_env):
                raise UsageError("--api-key-env needs --secret-env or --private-key-env")
            own = KeyRequest(
                options.name,
                api_key_env=options.api_key_env,
                secret_env=options.secret_env,
                private_key_env=options.private_key_env,
            )
        if sub_account and master is None:
            raise UsageError(
                "--sub-account needs the master's credentials "
                "(--master-api-key-env with --master-private-key-env or "
                "--master-secret-env), or --state"
            )
        if own is None and sub_account is None:
            raise UsageError(
                "say which keys to declare: --api-key-env, --sub-account or "
                "--state (see `keylint init --help`)"
            )
        keys, problems = adopt_from_binance(
            own,
            master,
            sub_account,
            base_url=options.live.base_url,
            timeout=options.live.timeout,
        )
        source = options.live.base_url
    master_fields = None
    if master is not None:
        master_fields = {
            k: v
            for k, v in (
                ("api_key_env", master.api_key_env),
                ("secret_env", master.secret_env),
                ("private_key_env", master.private_key_env),
            )
            if v
        }
    if not keys:
        # An empty `keys:` is no policy `validate` accepts: say why instead of printing one.
        why = "; ".join(problems) or (
            f"no keys of sub-account {sub_account!r} in {source}"
            if sub_account
            else f"no keys in {source}"
        )
        raise UsageError(f"nothing to declare: {why}")
    text = render_policy(keys, now=clock(options.now), source=source, master=master_fields)
    if options.output is not None:
        write_atomic(options.output, text)
    else:
        sys.stdout.write(text)
    for line in problems:
        say(f"keylint: not declared, could not be read: {line}")
    return 3 if problems else 0
