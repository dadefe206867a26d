"""A Binance REST emulator on 127.0.0.1 for tests, benchmarks and demos.

Binance's testnet does not serve /sapi, so this is the only place keylint's live checks can
run without production keys. It verifies signatures (HMAC, Ed25519, RSA) and timestamps
exactly as documented, answers with Binance's error bodies and HTTP statuses, sends the
used-weight headers, and lets tests inject faults at runtime. It records every request
without secrets: the API key as an 8-character prefix, the signature dropped.

One module per concern, lower ones first (each imports only those above it):

    scenario     what Binance knows (keys, sub-accounts, limits); key material for clients
    faults       runtime misbehaviour (`Fault`) and the request log (`RecordedRequest`)
    signatures   HMAC, Ed25519 and RSA signature checks
    endpoints    paths, the route table, Binance's error answers, each endpoint's answer;
                 its docstring lists the endpoints and what the emulator chooses where
                 Binance's documentation is silent
    server       `Emulator`: the HTTP server, authentication, weight, faults, dispatch
"""

from __future__ import annotations

from keylint.testing.emulator.endpoints import (
    MAX_CREATE_IP_CHARS,
    MAX_TRUSTED_IPS,
    PATH_RESTRICTIONS,
    PATH_SUB_API,
    PATH_SUB_API_IP,
    PATH_SUB_API_IP_ADD,
    PATH_SUB_API_IP_LIST,
    PATH_SUB_API_PERMISSION,
    PATH_SUB_API_V2,
    PATH_SUB_LIST,
    PATH_TIME,
)
from keylint.testing.emulator.faults import Fault, FaultKind, RecordedRequest
from keylint.testing.emulator.scenario import (
    ClientSecret,
    EmuKey,
    EmuSubAccount,
    Scenario,
    Signing,
    fill_missing_material,
    generate_key,
    iter_env_exports,
    random_api_key,
)
from keylint.testing.emulator.server import MAX_RECV_WINDOW, Emulator

# benchmarks/live.py patches the request handler and the server class and swaps the weight book.
from keylint.testing.emulator.server import _Handler as _Handler
from keylint.testing.emulator.server import _Server as _Server
from keylint.testing.emulator.server import _WeightBook as _WeightBook

__all__ = [
    "MAX_CREATE_IP_CHARS",
    "MAX_RECV_WINDOW",
    "MAX_TRUSTED_IPS",
    "PATH_RESTRICTIONS",
    "PATH_SUB_API",
    "PATH_SUB_API_IP",
    "PATH_SUB_API_IP_ADD",
    "PATH_SUB_API_IP_LIST",
    "PATH_SUB_API_PERMISSION",
    "PATH_SUB_API_V2",
    "PATH_SUB_LIST",
    "PATH_TIME",
    "ClientSecret",
    "EmuKey",
    "EmuSubAccount",
    "Emulator",
    "Fault",
    "FaultKind",
    "RecordedRequest",
    "Scenario",
    "Signing",
    "fill_missing_material",
    "generate_key",
    "iter_env_exports",
    "random_api_key",
]
