"""The shared scenario suite: every row of the test kit's manifest, through the Python API."""

from __future__ import annotations

from typing import Any, Dict

import pytest

import tlsguard
from tlsguard import exceptions

CLASS_OF_CATEGORY = {
    "certificate": exceptions.CertificateError,
    "tls": exceptions.TLSHandshakeError,
    "network": exceptions.NetworkError,
    "timeout": exceptions.RequestTimeout,
    "policy": exceptions.PolicyError,
    "http": exceptions.HTTPProtocolError,
    "invalid_input": exceptions.InvalidInput,
    "internal": exceptions.InternalError,
}


def run(scenario: Dict[str, Any]) -> tlsguard.Response:
    req = scenario["request"]
    kwargs: Dict[str, Any] = {}
    if req.get("headers") is not None:
        kwargs["headers"] = req["headers"]
    if req.get("body") is not None:
        kwargs["data"] = req["body"]
    with tlsguard.Client(**scenario["options"]) as client:
        return client.request(scenario["method"], scenario["url"], **kwargs)


def test_scenario(scenario: Dict[str, Any], error_table: Any) -> None:
    expect = scenario["expect"]
    if expect["code"]:
        with pytest.raises(tlsguard.TlsGuardError) as info:
            run(scenario)
        err = info.value
        assert err.code == expect["code"], f"{scenario['name']}: {err}"
        category = {e["code"]: e["category"] for e in error_table}[err.code]
        assert isinstance(err, CLASS_OF_CATEGORY[category])
        assert err.category == category
        for fact in expect["message_contains"]:
            assert fact in str(err), f"{fact!r} not in {err}"
        assert err.hint
        assert err.url == scenario["url"]
        if category == "certificate" and err.code != "CERT_PIN_MISMATCH":
            assert err.chain and all(isinstance(c, tlsguard.Certificate) for c in err.chain)
    else:
        r = run(scenario)
        assert r.status_code == expect["status"], f"{scenario['name']}: {r.status_code} {r.text[:200]}"
        for text in expect["body_contains"]:
            assert text in r.text
        if expect["http_version"]:
            assert r.http_version == expect["http_version"]
        if expect["tls_version"]:
            assert r.tls_version == expect["tls_version"]
