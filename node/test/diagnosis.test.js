'use strict';
// Certificates, offline verification, lint, trust report and inspection, on the kit's PKI.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { Certificate, loadCertificates, verifyChain, Verifier, lint, inspect, trustReport, TlsGuardError, lintCodes, fetch } = require('..');
const { startKit } = require('./kit.js');

let kit, pki;
test.before(async () => {
  kit = await startKit();
  pki = kit.manifest.pki;
});
test.after(() => kit && kit.stop());

test('Certificate.fromPem / fromDer / loadCertificates', () => {
  const pem = fs.readFileSync(pki.root_ca, 'utf8');
  const c = Certificate.fromPem(pem);
  assert.ok(c instanceof Certificate);
  assert.ok(c.notBefore instanceof Date && c.notAfter instanceof Date);
  assert.ok(c.notAfter > c.notBefore);
  assert.equal(c.isCa, true);
  assert.match(c.spkiPin, /^sha256\//);
  assert.ok(Buffer.isBuffer(c.der));
  const d = Certificate.fromDer(fs.readFileSync(pki.root_ca_der));
  assert.equal(d.fingerprintSha256, c.fingerprintSha256);
  assert.equal(Certificate.fromPem(Buffer.from(pem)).subject, c.subject);
  const chain = loadCertificates(pki.fullchain);
  assert.ok(chain.length >= 2);
  assert.ok(chain.every((x) => x instanceof Certificate));
  assert.equal(loadCertificates(fs.readFileSync(pki.fullchain)).length, chain.length);
  assert.equal(loadCertificates(fs.readFileSync(pki.fullchain, 'utf8')).length, chain.length);
  // The properties read as before: toJSON (without der), for...in, assignment.
  const json = JSON.parse(JSON.stringify(c));
  assert.equal(json.subject, c.subject);
  assert.equal(json.notAfter, c.notAfter.toISOString());
  assert.equal('der' in json, false);
  const keys = [];
  for (const k in c) keys.push(k);
  assert.ok(keys.includes('der') && keys.includes('spkiPin') && keys.includes('displayName'));
  const d2 = Certificate.fromDer(c.der);
  d2.subject = 'changed';
  assert.equal(d2.subject, 'changed');
  assert.equal(Certificate.fromDer(c.der).subject, c.subject);
});

test('verifyChain: ok, refused with the code a request gives, `at` as a Date', () => {
  const opts = { roots: 'none', caFile: pki.root_ca, hostname: 'localhost' };
  const ok = verifyChain(fs.readFileSync(pki.server_good_chain, 'utf8'), opts);
  assert.equal(ok.ok, true, ok.error && ok.error.message);
  assert.equal(ok.error, null);
  assert.ok(ok.at instanceof Date);
  assert.ok(ok.path[0] instanceof Certificate);
  const expired = verifyChain(fs.readFileSync(pki.server_expired_chain), opts);
  assert.equal(expired.ok, false);
  assert.ok(expired.error instanceof TlsGuardError);
  assert.equal(expired.error.code, 'CERT_EXPIRED');
  // The same chain, verified an hour before the leaf expired, was fine.
  const leaf = loadCertificates(pki.server_expired_chain)[0];
  const past = verifyChain(fs.readFileSync(pki.server_expired_chain), { ...opts, at: new Date(leaf.notAfter.getTime() - 3600e3) });
  assert.equal(past.ok, true, past.error && past.error.message);
  const wrong = verifyChain(loadCertificates(pki.server_good_chain), { ...opts, hostname: 'other.example' });
  assert.equal(wrong.error.code, 'CERT_HOSTNAME_MISMATCH');
  const missing = verifyChain(fs.readFileSync(pki.server_missing_intermediate_chain), opts);
  assert.equal(missing.error.code, 'CERT_INCOMPLETE_CHAIN');
});

test('a prepared Verifier gives verifyChain\'s verdicts, host and time per call', () => {
  const v = new Verifier({ roots: 'none', caFile: pki.root_ca });
  const good = fs.readFileSync(pki.server_good_chain, 'utf8');
  const ok = v.verify(good, 'localhost');
  assert.equal(ok.ok, true, ok.error && ok.error.message);
  assert.ok(ok.path[0] instanceof Certificate);
  assert.equal(v.verify(Buffer.from(good), 'localhost').ok, true);
  assert.equal(v.verify(loadCertificates(pki.server_good_chain), 'localhost').ok, true);
  assert.equal(v.verify(good).ok, true, 'no hostname: not checked');
  assert.equal(v.verify(good, 'other.example').error.code, 'CERT_HOSTNAME_MISMATCH');
  const expired = fs.readFileSync(pki.server_expired_chain);
  assert.equal(v.verify(expired, 'localhost').error.code, 'CERT_EXPIRED');
  const leaf = loadCertificates(pki.server_expired_chain)[0];
  assert.equal(v.verify(expired, 'localhost', new Date(leaf.notAfter.getTime() - 3600e3)).ok, true);
  assert.equal(v.verify(expired, 'localhost', leaf.notAfter.getTime() - 3600e3).ok, true);
  const missing = fs.readFileSync(pki.server_missing_intermediate_chain);
  assert.equal(v.verify(missing, 'localhost').error.code, verifyChain(missing, { roots: 'none', caFile: pki.root_ca, hostname: 'localhost' }).error.code);
  assert.throws(() => v.verify('junk'), (e) => e instanceof TlsGuardError && e.code === 'INVALID_PEM');
  assert.throws(() => v.verify(good, 'bad host!'), (e) => e.code === 'INVALID_ARGUMENT');
  assert.throws(() => v.verify(good, 'localhost', 'tomorrow'), TypeError);
  assert.throws(() => new Verifier({ hostname: 'a.test' }), (e) => e.code === 'INVALID_ARGUMENT' && /argument of verify\(\)/.test(e.message));
  assert.throws(() => new Verifier({ caFile: '/nonexistent.pem' }), (e) => e.code === 'IO');
});

test('lint finds deployment problems', () => {
  const codes = new Set(lintCodes().map((c) => c.code));
  const findings = lint(fs.readFileSync(pki.server_good_chain, 'utf8'), {
    key: pki.server_expired_key,
    hostnames: ['localhost', 'other.example'],
    warnDays: 3650,
  });
  assert.ok(findings.length > 0);
  for (const f of findings) {
    assert.ok(codes.has(f.code), f.code);
    assert.ok(['info', 'warning', 'error'].includes(f.severity));
  }
  assert.ok(findings.some((f) => f.code === 'KEY_MISMATCH'), JSON.stringify(findings.map((f) => f.code)));
});

test('trustReport', () => {
  const r = trustReport({ roots: 'none', caFile: pki.root_ca });
  assert.equal(r.roots, 'none');
  assert.equal(r.total, 1);
  assert.ok(r.summary.length >= 1);
  assert.deepEqual(r.warnings, []);
  const stale = trustReport({ roots: 'none', caFile: pki.root_ca, crls: [pki.crl_expired] });
  assert.ok(stale.warnings.some((w) => w.includes('out of date') && w.includes('tlsguard Test Intermediate CA')), stale.warnings.join('\n'));
});

test('inspect: a verified server and a refused one', async () => {
  const trust = { roots: 'none', caFile: pki.root_ca };
  const port = (name) => Number(new URL(kit.manifest.servers[name]).port);
  const good = await inspect('localhost', { port: port('good'), ...trust });
  assert.equal(good.verified, true);
  assert.equal(good.verdict, null);
  assert.ok(good.chain[0] instanceof Certificate);
  assert.equal(good.httpStatus, 200);
  const expired = await inspect('localhost', { port: port('expired'), ...trust });
  assert.equal(expired.verified, false);
  assert.ok(expired.verdict instanceof TlsGuardError);
  assert.equal(expired.verdict.code, 'CERT_EXPIRED');
  const old = await inspect('localhost', { port: port('tls10_only'), ...trust, audit: true, timeout: 5000 }).catch((e) => e);
  // A TLS 1.0-only server: inspect refuses with TLS_PROTOCOL_VERSION (the audit is in `audit()`).
  if (old instanceof Error) assert.equal(old.code, 'TLS_PROTOCOL_VERSION');
  else assert.ok(old.audit);
});

test('err.detail: the facts of expired, hostname mismatch and pin mismatch (camelCase, Dates)', async () => {
  const sc = Object.fromEntries(kit.manifest.scenarios.map((s) => [s.name, s]));
  const ca = { roots: 'none', caFile: pki.root_ca };
  const reject = (name, extra = {}) => fetch(sc[name].url, { ...ca, ...extra }).then(() => assert.fail(name), (e) => e);
  let e = await reject('expired');
  assert.ok(e instanceof TlsGuardError && e.code === 'CERT_EXPIRED');
  assert.deepEqual(Object.keys(e.detail), ['subject', 'notAfter', 'now']);
  assert.ok(e.detail.notAfter instanceof Date && e.detail.now instanceof Date);
  assert.equal(e.detail.notAfter.getTime(), e.chain[0].notAfter.getTime());
  assert.ok(e.detail.subject.includes('localhost'));
  e = await reject('wrong_host');
  assert.deepEqual(e.detail, { expected: 'localhost', presented: ['wrong.example'] });
  e = await reject('pin_mismatch', { pins: sc.pin_mismatch.options.pins });
  assert.deepEqual(e.detail.pins, sc.pin_mismatch.options.pins);
  assert.equal(e.detail.chainPins[0], e.chain[0].spkiPin);
  // No facts: undefined; no source: no cause.
  e = await fetch('http://127.0.0.1:9/').catch((x) => x);
  assert.equal(e.code, 'INSECURE_URL');
  assert.equal(e.detail, undefined);
  assert.equal(e.cause, undefined);
});

test('err.cause: the OS error of a refused connection', async () => {
  const sc = kit.manifest.scenarios.find((s) => s.name === 'connect_refused');
  const e = await fetch(sc.url).catch((x) => x);
  assert.equal(e.code, 'CONNECT');
  assert.ok(e.cause instanceof Error && /refused/.test(e.cause.message));
  assert.equal(typeof e.cause.errno, 'number');
});
