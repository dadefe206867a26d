"""keylint.tls: one verifying context a process, none read for plain-HTTP addresses, and the
plain-HTTP context never completes a TLS handshake (checked against a real loopback server)."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from keylint.tls import context_for, trusting_nothing, verifying
from tests.certificates import self_signed


def test_an_https_address_verifies_with_the_shared_ca_bundle() -> None:
    context = context_for("https://api.binance.com")
    assert context is verifying() is context_for("HTTPS://vault.internal:8200")
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0  # a CA bundle was read


def test_a_plain_http_address_reads_no_ca_bundle() -> None:
    context = context_for("http://127.0.0.1:8200")
    assert context is trusting_nothing() is context_for("HTTP://localhost")
    assert context.cert_store_stats()["x509_ca"] == 0
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_an_address_that_is_not_plain_http_is_verified() -> None:
    """Anything but http:// (a typo'd scheme included) gets the verifying context."""
    for url in ("https://x", "httpx://x", "", "ws://x"):
        assert context_for(url) is verifying(), url


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A loopback TLS server with a self-signed certificate for 127.0.0.1; yields (port, CA)."""
    cert_pem, key_pem = self_signed("127.0.0.1", ip="127.0.0.1")
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert_pem)
    key_file.write_bytes(key_pem)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)

    def serve() -> None:
        for _ in range(2):  # the refused handshake, then the control
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with server.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass  # the client gave up on our certificate

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], cert_file
    finally:
        listener.close()
        thread.join(10)


def test_the_plain_http_context_never_completes_a_handshake(tls_server: tuple[int, Path]) -> None:
    port, ca_file = tls_server
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        trusting_nothing().wrap_socket(raw, server_hostname="127.0.0.1")
    # The control: the same server, trusted, completes it (the test above can fail).
    trusted = ssl.create_default_context(cafile=str(ca_file))
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        trusted.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        assert tls.version() is not None
