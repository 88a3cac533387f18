"""inspect(): a live server report from the core's inspector, against the test kit."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

import tlsguard


def host_port(url: str) -> Any:
    u = urlsplit(url)
    return u.hostname, u.port


def test_inspect_good_server(kit: Any) -> None:
    host, port = host_port(kit.server("good"))
    r = tlsguard.inspect(host, port, roots="none", ca_file=kit.pki("root_ca"))
    assert r.verified and r.verdict is None
    assert r.port == port and r.tls_version in ("TLSv1.2", "TLSv1.3")
    assert r.chain and isinstance(r.chain[0], tlsguard.Certificate)
    assert r.chain_complete and r.chain_ordered
    assert r.http_status == 200
    assert isinstance(r.lint, list)
    assert r.leaf_days_remaining is not None and r.leaf_days_remaining > 0
    assert r.audit is None


def test_inspect_refused_chain_is_in_the_report(kit: Any) -> None:
    host, port = host_port(kit.scenarios["expired"]["url"])
    r = tlsguard.inspect(host, port, roots="none", ca_file=kit.pki("root_ca"))
    assert not r.verified
    assert isinstance(r.verdict, tlsguard.CertificateError) and r.verdict.code == "CERT_EXPIRED"
    assert r.http_status is None


def test_inspect_audit(kit: Any) -> None:
    host, port = host_port(kit.server("good"))
    r = tlsguard.inspect(host, port, roots="none", ca_file=kit.pki("root_ca"), audit=True, connect_timeout=5)
    assert r.audit is not None
    versions = {v.version: v.accepted for v in r.audit.versions}
    assert versions.get("TLSv1.0") is False
    assert any(v.accepted for v in r.audit.versions)
    assert all(isinstance(s.category, str) for s in r.audit.legacy_suites)


def test_inspect_errors(kit: Any) -> None:
    refused = kit.scenarios["connect_refused"]["url"]
    host, port = host_port(refused)
    with pytest.raises(tlsguard.NetworkError) as info:
        tlsguard.inspect(host, port, connect_timeout=5)
    assert info.value.code == "CONNECT"
    with pytest.raises(tlsguard.InvalidInput):
        tlsguard.inspect("localhost", 0)
    with pytest.raises(tlsguard.InvalidInput):
        tlsguard.inspect("localhost", 443, timeout=-1)
    with pytest.raises(TypeError):
        tlsguard.inspect(None)  # type: ignore[arg-type]
