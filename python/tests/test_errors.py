"""Error-table parity: every code of tests/errors.json maps to the class of its category."""

from __future__ import annotations

import pickle
from typing import Any, Dict, List

import pytest

import tlsguard
from tlsguard import _native, exceptions

CLASS_OF_CATEGORY = {
    "certificate": tlsguard.CertificateError,
    "tls": tlsguard.TLSHandshakeError,
    "network": tlsguard.NetworkError,
    "timeout": tlsguard.RequestTimeout,
    "policy": tlsguard.PolicyError,
    "http": tlsguard.HTTPProtocolError,
    "invalid_input": tlsguard.InvalidInput,
    "internal": tlsguard.InternalError,
}


def test_every_code_maps_to_its_category_class(error_table: List[Dict[str, str]]) -> None:
    assert [e["code"] for e in error_table] == _native._codes(), "core and tests/errors.json disagree"
    for entry in error_table:
        err = _native._exception_for_code(entry["code"])
        assert err is not None, entry["code"]
        cls = CLASS_OF_CATEGORY[entry["category"]]
        # HTTP_STATUS has a subclass of its category's class that also carries the response.
        exact = tlsguard.HTTPStatusError if entry["code"] == "HTTP_STATUS" else cls
        assert issubclass(exact, cls)
        assert type(err) is exact, f"{entry['code']}: {type(err).__name__} is not {exact.__name__}"
        assert isinstance(err, tlsguard.TlsGuardError) and isinstance(err, Exception)
        assert err.code == entry["code"]
        assert err.category == entry["category"]
        assert err.hint == entry["hint"]
        assert err.message == entry["summary"]
        assert str(err) == f"{entry['code']}: {entry['summary']}"
        assert err.chain == [] and err.url is None


def test_every_category_is_covered(error_table: List[Dict[str, str]]) -> None:
    assert {e["category"] for e in error_table} == set(CLASS_OF_CATEGORY)


def test_unknown_code() -> None:
    assert _native._exception_for_code("NOPE") is None


def test_builtin_bases_and_names() -> None:
    assert issubclass(tlsguard.RequestTimeout, TimeoutError)
    assert issubclass(tlsguard.InvalidInput, ValueError)
    import builtins

    for name in exceptions.__all__:
        assert not hasattr(builtins, name), f"{name} shadows a builtin"


def test_exceptions_pickle(kit: Any) -> None:
    with pytest.raises(tlsguard.CertificateError) as info:
        tlsguard.get(kit.scenarios["expired"]["url"], roots="none", ca_file=kit.pki("root_ca"))
    err = info.value
    assert err.chain
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is type(err)
    assert (back.code, back.hint, back.url, str(back)) == (err.code, err.hint, err.url, str(err))
    assert back.chain == err.chain
    assert back.detail == err.detail and set(err.detail) == {"subject", "not_after", "now"}


def test_detail_of_expired_mismatch_and_pin(kit: Any) -> None:
    ca = {"roots": "none", "ca_file": kit.pki("root_ca")}
    with pytest.raises(tlsguard.CertificateError) as info:
        tlsguard.get(kit.scenarios["expired"]["url"], **ca)
    d = info.value.detail
    # Times as Certificate.not_after gives them: aware UTC datetimes.
    assert d["not_after"] == info.value.chain[0].not_after and d["not_after"] < d["now"]
    assert d["now"].tzinfo is not None and "localhost" in d["subject"]
    with pytest.raises(tlsguard.CertificateError) as info:
        tlsguard.get(kit.scenarios["wrong_host"]["url"], **ca)
    assert info.value.detail == {"expected": "localhost", "presented": ["wrong.example"]}
    with pytest.raises(tlsguard.CertificateError) as info:
        tlsguard.get(kit.scenarios["pin_mismatch"]["url"], pins=kit.scenarios["pin_mismatch"]["options"]["pins"], **ca)
    d = info.value.detail
    assert d["pins"] == kit.scenarios["pin_mismatch"]["options"]["pins"]
    assert d["chain_pins"][0] == info.value.chain[0].spki_pin and len(d["chain_pins"]) == 3
    # Errors without facts have None.
    with pytest.raises(tlsguard.PolicyError) as policy:
        tlsguard.get(kit.scenarios["insecure_url"]["url"])
    assert policy.value.detail is None


def test_cause_is_the_os_error(kit: Any) -> None:
    with pytest.raises(tlsguard.NetworkError) as info:
        tlsguard.get(kit.scenarios["connect_refused"]["url"])
    cause = info.value.__cause__
    assert isinstance(cause, ConnectionRefusedError) and cause.errno is not None
    # Errors without a source have none.
    with pytest.raises(tlsguard.PolicyError) as policy:
        tlsguard.get(kit.scenarios["insecure_url"]["url"])
    assert policy.value.__cause__ is None


def test_panic_is_an_exception_not_a_crash() -> None:
    # A panic in core work (the GIL released) is the core's INTERNAL error.
    with pytest.raises(tlsguard.InternalError) as info:
        _native._panic_for_test(True)
    assert info.value.code == "INTERNAL" and "test panic" in str(info.value)
    # A panic in the glue itself is pyo3's PanicException (a BaseException).
    with pytest.raises(BaseException) as other:
        _native._panic_for_test(False)
    assert type(other.value).__name__ == "PanicException" and "test panic" in str(other.value)
    # The module still works afterwards.
    assert tlsguard.trust_report(roots="mozilla").total > 0


def test_raise_for_status(ca_client: tlsguard.Client, kit: Any) -> None:
    r = ca_client.get(kit.server("good") + "/status/404")
    assert r.status_code == 404 and not r.ok
    with pytest.raises(tlsguard.HTTPStatusError) as info:
        r.raise_for_status()
    assert isinstance(info.value, tlsguard.HTTPProtocolError)
    assert info.value.status_code == 404 and info.value.response is r
    assert "404" in str(info.value)
    ok = ca_client.get(kit.server("good") + "/")
    assert ok.ok and ok.raise_for_status() is ok
