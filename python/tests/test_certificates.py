"""Certificate parsing, offline chain verification, lint, trust reports."""

from __future__ import annotations

import datetime
import pickle
from pathlib import Path
from typing import Any

import pytest

import tlsguard

UTC = datetime.timezone.utc


def read(kit: Any, name: str) -> bytes:
    return Path(kit.pki(name)).read_bytes()


def test_certificate_from_pem_der(kit: Any) -> None:
    pem = read(kit, "root_ca")
    c = tlsguard.Certificate.from_pem(pem)
    assert c.is_ca and c.self_signed
    assert c.subject_cn and c.subject_cn in c.subject
    assert c.not_before.tzinfo is not None and c.not_before.utcoffset() == datetime.timedelta(0)
    assert c.not_before < datetime.datetime.now(UTC) < c.not_after
    assert c.fingerprint_sha256.count(":") == 31
    assert c.spki_pin.startswith("sha256/")
    der = c.der
    assert tlsguard.Certificate.from_der(der) == c
    assert tlsguard.Certificate.from_der(read(kit, "root_ca_der")) == c
    assert tlsguard.Certificate.from_pem(c.pem) == c
    assert hash(c) == hash(tlsguard.Certificate.from_der(der))
    assert pickle.loads(pickle.dumps(c)) == c
    assert c.days_remaining() > 0
    assert "Certificate" in repr(c)


def test_load_certificates(kit: Any) -> None:
    certs = tlsguard.load_certificates(read(kit, "fullchain"))
    assert len(certs) >= 2
    assert not certs[0].is_ca and certs[1].is_ca
    assert tlsguard.load_certificates(read(kit, "fullchain").decode()) == certs


@pytest.mark.parametrize("bad", [b"", b"garbage", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", b"\x30\x03\x01\x02\x03"])
def test_bad_certificates(bad: Any) -> None:
    with pytest.raises(tlsguard.InvalidInput) as info:
        tlsguard.Certificate.from_pem(bad)
    assert info.value.code == "INVALID_PEM"


def test_certificate_wrong_type() -> None:
    with pytest.raises(TypeError):
        tlsguard.Certificate.from_pem(123)
    with pytest.raises(TypeError):
        tlsguard.load_certificates(None)


def test_verify_chain(kit: Any) -> None:
    chain = read(kit, "fullchain")
    root = kit.pki("root_ca")
    ok = tlsguard.verify_chain(chain, "localhost", roots="none", ca_file=root)
    assert ok.ok and ok.error is None and ok.path and ok.presented
    ok.raise_for_error()
    assert ok.at.tzinfo is not None
    # The same as a list of Certificate objects.
    assert tlsguard.verify_chain(tlsguard.load_certificates(chain), "localhost", roots="none", ca_file=root).ok
    bad = tlsguard.verify_chain(chain, "wrong.example", roots="none", ca_file=root)
    assert not bad.ok and isinstance(bad.error, tlsguard.CertificateError)
    assert bad.error.code == "CERT_HOSTNAME_MISMATCH"
    with pytest.raises(tlsguard.CertificateError):
        bad.raise_for_error()
    untrusted = tlsguard.verify_chain(chain, "localhost", roots="none", ca_pem=read(kit, "untrusted_root_ca"))
    assert untrusted.error is not None and untrusted.error.code == "CERT_UNKNOWN_ISSUER"
    future = datetime.datetime.now(UTC) + datetime.timedelta(days=3650)
    expired = tlsguard.verify_chain(chain, "localhost", roots="none", ca_file=root, at=future)
    assert expired.error is not None and expired.error.code == "CERT_EXPIRED"
    assert tlsguard.verify_chain(chain, roots="none", ca_file=root, at=int(future.timestamp())).error.code == "CERT_EXPIRED"


def test_prepared_verifier(kit: Any, tmp_path: Path) -> None:
    chain = read(kit, "fullchain")
    verifier = tlsguard.Verifier(roots="none", ca_file=kit.pki("root_ca"))
    ok = verifier.verify(chain, "localhost")
    assert ok.ok and len(ok.path) == 2 and ok.path[0].fingerprint_sha256 == ok.presented[0].fingerprint_sha256
    assert verifier.verify(tlsguard.load_certificates(chain), "localhost").ok
    assert verifier.verify(chain).ok  # no hostname: not checked
    bad = verifier.verify(chain, "wrong.example")
    assert bad.error is not None and bad.error.code == "CERT_HOSTNAME_MISMATCH"
    future = datetime.datetime.now(UTC) + datetime.timedelta(days=3650)
    assert verifier.verify(chain, "localhost", at=future).error.code == "CERT_EXPIRED"
    assert verifier.verify(chain, "localhost", int(future.timestamp())).error.code == "CERT_EXPIRED"
    # The same verdicts as verify_chain, the trust loaded once.
    for host in ("localhost", "wrong.example"):
        one = tlsguard.verify_chain(chain, host, roots="none", ca_file=kit.pki("root_ca"))
        assert (one.ok, one.error and one.error.code) == (verifier.verify(chain, host).ok, verifier.verify(chain, host).error and verifier.verify(chain, host).error.code)
    untrusted = tlsguard.Verifier(roots="none", ca_pem=read(kit, "untrusted_root_ca"))
    assert untrusted.verify(chain, "localhost").error.code == "CERT_UNKNOWN_ISSUER"
    with pytest.raises(tlsguard.InvalidInput) as info:
        verifier.verify(b"nope")
    assert info.value.code == "INVALID_PEM"
    with pytest.raises(tlsguard.InvalidInput) as info:
        tlsguard.Verifier(ca_file=tmp_path / "missing.pem")
    assert info.value.code == "IO"
    with pytest.raises(tlsguard.InvalidInput):
        verifier.verify(chain, "bad host!")
    with pytest.raises(TypeError):
        tlsguard.Verifier(hostname="a.test")  # type: ignore[call-arg]
    with pytest.raises(tlsguard.InvalidInput) as info:
        tlsguard._native.Verifier({"hostname": "a.test"})
    assert "argument of verify()" in str(info.value)


def test_verify_chain_bad_input(kit: Any, tmp_path: Path) -> None:
    with pytest.raises(tlsguard.InvalidInput) as info:
        tlsguard.verify_chain(b"nope")
    assert info.value.code == "INVALID_PEM"
    with pytest.raises(tlsguard.InvalidInput) as info:
        tlsguard.verify_chain(read(kit, "fullchain"), ca_file=tmp_path / "missing.pem")
    assert info.value.code == "IO"
    with pytest.raises(tlsguard.InvalidInput):
        tlsguard.verify_chain(read(kit, "fullchain"), at=datetime.datetime(2030, 1, 1))  # naive
    with pytest.raises(TypeError):
        tlsguard.verify_chain(read(kit, "fullchain"), at="tomorrow")
    with pytest.raises(TypeError):
        tlsguard.verify_chain([b"x"])


def test_lint(kit: Any) -> None:
    chain = read(kit, "fullchain")
    findings = tlsguard.lint(chain, key=read(kit, "leaf_key"), hostnames=["localhost"])
    assert all(f.severity != "error" for f in findings), findings
    mismatch = tlsguard.lint(chain, key=read(kit, "self_signed_key"))
    assert any(f.code == "KEY_MISMATCH" and f.severity == "error" for f in mismatch)
    f = mismatch[0]
    assert f.message and f.fix and str(f).startswith(f.severity)
    wrong = tlsguard.lint(chain, hostnames=("wrong.example",))
    assert any(f.severity == "error" for f in wrong)
    assert tlsguard.lint(chain, key=kit.pki("leaf_key")) is not None  # key as a path
    with pytest.raises(tlsguard.InvalidInput):
        tlsguard.lint(b"nope")
    with pytest.raises(tlsguard.InvalidInput) as info:
        tlsguard.lint(chain, key="/no/such/key.pem")
    assert info.value.code == "IO"
    assert len(tlsguard.lint(chain, hostnames="localhost")) == len(tlsguard.lint(chain, hostnames=["localhost"]))
    with pytest.raises(tlsguard.InvalidInput):
        tlsguard.lint(chain, warn_days=-1)
    with pytest.raises(TypeError):
        tlsguard.lint(chain, hostnames=[object()])
