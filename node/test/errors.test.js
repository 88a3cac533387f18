'use strict';
// Error mapping: the code table equals tests/errors.json, panics become TlsGuardErrors, bad
// input is a TypeError or an INVALID_*/IO TlsGuardError.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const tlsguard = require('..');
const { fetch, Client, Certificate, loadCertificates, verifyChain, lint, inspect, trustReport, TlsGuardError, errorCodes } = tlsguard;
const { ROOT } = require('./kit.js');

test('the code table from the core equals tests/errors.json', () => {
  const table = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'errors.json'), 'utf8'));
  const fromCore = errorCodes();
  assert.deepEqual(
    fromCore.map((c) => [c.code, c.category, c.summary, c.hint]),
    table.errors.map((c) => [c.code, c.category, c.summary, c.hint]),
  );
  for (const c of fromCore) assert.ok(Object.hasOwn(table.categories, c.category), c.category);
});

test('a TlsGuardError carries code, category, hint, url and chain', async () => {
  const err = await fetch('http://127.0.0.1:9/').catch((e) => e);
  assert.ok(err instanceof TlsGuardError);
  assert.ok(err instanceof Error);
  assert.equal(err.name, 'TlsGuardError');
  assert.equal(err.code, 'INSECURE_URL');
  assert.equal(err.category, 'policy');
  assert.equal(err.url, 'http://127.0.0.1:9/');
  assert.ok(err.hint.includes('allow_http') || err.hint.length > 0);
  assert.deepEqual(err.chain, []);
  assert.ok(err.stack.includes('TlsGuardError'));
});

test('a Rust panic becomes a TlsGuardError, and the process lives', async () => {
  assert.throws(() => tlsguard.__testPanic(false), (e) => e instanceof TlsGuardError && e.code === 'INTERNAL');
  await assert.rejects(tlsguard.__testPanic(true), (e) => e instanceof TlsGuardError && e.code === 'INTERNAL' && /panic/.test(e.message));
  // Still usable afterwards.
  assert.equal(errorCodes().length > 0, true);
});

async function rejectsWith(promiseOrFn, check) {
  let err;
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    err = e;
  }
  assert.ok(err, 'expected an error');
  if (check === TypeError) assert.ok(err instanceof TypeError, `${err && err.stack}`);
  else {
    assert.ok(err instanceof TlsGuardError, `${err && err.stack}`);
    assert.match(err.code, check);
  }
  return err;
}

const INVALID = /^(INVALID_[A-Z]+|IO)$/;

test('bad input to fetch is a TypeError or an INVALID_*/IO TlsGuardError', async () => {
  await rejectsWith(() => fetch(), TypeError); // missing URL
  await rejectsWith(() => fetch(42), TypeError);
  await rejectsWith(() => fetch('https://x.test/', 'nope'), TypeError);
  await rejectsWith(() => fetch('https://x.test/', { body: { a: 1 } }), TypeError);
  await rejectsWith(() => fetch('https://x.test/', { signal: 'no' }), TypeError);
  await rejectsWith(() => fetch('https://x.test/', { method: 'connect' }), TypeError);
  // What the Fetch standard refuses is a plain TypeError, as from Node's fetch.
  await rejectsWith(() => fetch('not a url'), TypeError);
  await rejectsWith(() => fetch('https://x.test/', { method: 'TRACE' }), TypeError);
  await rejectsWith(() => fetch('https://x.test/', { headers: { 'x-a': 'a\r\nx-b: b' } }), TypeError);
  await rejectsWith(() => fetch('https://x.test/', { headers: { 'bad name': 'v' } }), TypeError);
  await rejectsWith(() => fetch('https://x.test/', { method: 'BAD METHOD' }), INVALID);
  await rejectsWith(() => fetch('https://x.test/', { timeout: -5 }), INVALID);
  await rejectsWith(() => fetch('https://x.test/', { timeout: NaN }), TypeError);
  await rejectsWith(() => fetch('https://x.test/', { caFile: '/nonexistent/ca.pem' }), INVALID);
  await rejectsWith(() => fetch('https://x.test/', { roots: 'everything' }), INVALID);
  await rejectsWith(() => fetch('https://x.test/', { minTls: '1.0' }), INVALID);
  await rejectsWith(() => fetch('https://x.test/', { rejectUnauthorized: false }), INVALID);
  await rejectsWith(() => fetch('https://x.test/', { noSuchOption: 1 }), INVALID);
  await rejectsWith(() => fetch('https://x.test/', { clientCert: '/nonexistent.pem', clientKey: '/nonexistent.key' }), INVALID);
});

test('bad input to Client and the diagnosis functions', async () => {
  assert.throws(() => new Client(5), TypeError);
  assert.throws(() => new Client({ timeout: -1 }), (e) => e instanceof TlsGuardError && INVALID.test(e.code));
  assert.throws(() => new Client({ caFile: '/nonexistent/ca.pem' }), (e) => e instanceof TlsGuardError && e.code === 'IO');
  const client = new Client({});
  await rejectsWith(() => client.fetch('https://x.test/', { caFile: 'x' }), TypeError);
  await rejectsWith(() => client.fetch('https://x.test/', { timeout: -1 }), INVALID);
  await rejectsWith(() => client.fetch('https://x.test/', { timeout: 0.0001 }), INVALID); // under 1 ms
  client.close();
  assert.throws(() => Certificate.fromPem('garbage'), (e) => e instanceof TlsGuardError && e.code === 'INVALID_PEM');
  assert.throws(() => Certificate.fromPem(12), TypeError);
  assert.throws(() => Certificate.fromDer('x'), TypeError);
  assert.throws(() => Certificate.fromDer(Buffer.from([1, 2, 3])), (e) => e instanceof TlsGuardError && e.code === 'INVALID_PEM');
  assert.throws(() => loadCertificates('/nonexistent/file.pem'), (e) => e instanceof TlsGuardError && e.code === 'IO');
  assert.throws(() => loadCertificates(null), TypeError);
  assert.throws(() => verifyChain('garbage'), (e) => e instanceof TlsGuardError && e.code === 'INVALID_PEM');
  assert.throws(() => verifyChain(5), TypeError);
  assert.throws(() => lint('garbage'), (e) => e instanceof TlsGuardError && e.code === 'INVALID_PEM');
  assert.throws(() => trustReport({ roots: 'nope' }), (e) => e instanceof TlsGuardError && e.code === 'INVALID_ARGUMENT');
  await rejectsWith(() => inspect(5), TypeError);
  await rejectsWith(() => inspect('localhost', { port: 0 }), INVALID);
  await rejectsWith(() => inspect('localhost', { bogus: true }), INVALID);
});
