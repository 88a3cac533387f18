"""The shared scenario suite: every row of the test kit's manifest, through the Python API."""

from __future__ import annotations

import datetime
import time
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


def run(scenario: Dict[str, Any], good_url: str) -> tlsguard.Response:
    """Sends the scenario's request. A row with `max_seconds` (the hostile servers) must end
    within that time, and its client must then still get a 200 from the good server."""
    req = scenario["request"]
    kwargs: Dict[str, Any] = {}
    if req.get("headers") is not None:
        kwargs["headers"] = req["headers"]
    if req.get("body") is not None:
        kwargs["data"] = req["body"]
    max_seconds = scenario["expect"].get("max_seconds")
    with tlsguard.Client(**scenario["options"]) as client:
        started = time.monotonic()
        try:
            return client.request(scenario["method"], scenario["url"], **kwargs)
        finally:
            if max_seconds is not None:
                took = time.monotonic() - started
                assert took <= max_seconds, f"{scenario['name']}: took {took:.2f} s > {max_seconds} s"
                assert client.get(good_url).status_code == 200, "the client no longer works"


def check_detail(err: tlsguard.TlsGuardError, want: Dict[str, str]) -> None:
    """`err.detail` has every key of `want`, each value containing its text (a list: one
    element; a time: an aware datetime)."""
    if not want:
        return
    assert isinstance(err.detail, dict), f"no detail: {err}"
    for key, fact in want.items():
        value = err.detail.get(key)
        assert value is not None, f"detail lacks {key}: {err.detail}"
        if isinstance(value, datetime.datetime):
            assert value.tzinfo is not None and not fact
        elif isinstance(value, list):
            assert not fact or any(fact in v for v in value), f"{key}: {fact!r} not in {value}"
        else:
            assert fact in value, f"{key}: {fact!r} not in {value!r}"


def test_scenario(scenario: Dict[str, Any], error_table: Any, good_url: str) -> None:
    expect = scenario["expect"]
    if expect["code"]:
        with pytest.raises(tlsguard.TlsGuardError) as info:
            run(scenario, good_url)
        err = info.value
        assert err.code == expect["code"], f"{scenario['name']}: {err}"
        category = {e["code"]: e["category"] for e in error_table}[err.code]
        assert isinstance(err, CLASS_OF_CATEGORY[category])
        assert err.category == category
        for fact in expect["message_contains"]:
            assert fact in str(err), f"{fact!r} not in {err}"
        assert err.hint
        assert err.url == scenario["url"]
        check_detail(err, expect.get("detail") or {})
        if expect.get("cause_contains"):
            assert isinstance(err.__cause__, OSError), f"{scenario['name']}: cause {err.__cause__!r}"
            assert expect["cause_contains"] in str(err.__cause__)
        if category == "certificate" and err.code != "CERT_PIN_MISMATCH":
            assert err.chain and all(isinstance(c, tlsguard.Certificate) for c in err.chain)
    else:
        r = run(scenario, good_url)
        assert r.status_code == expect["status"], f"{scenario['name']}: {r.status_code} {r.text[:200]}"
        for text in expect["body_contains"]:
            assert text in r.text
        if expect["http_version"]:
            assert r.http_version == expect["http_version"]
        if expect["tls_version"]:
            assert r.tls_version == expect["tls_version"]
