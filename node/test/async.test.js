'use strict';
// Every network call is async: the event loop keeps ticking, AbortSignal cancels, and many
// concurrent requests share one Client.
const test = require('node:test');
const assert = require('node:assert/strict');
const { fetch, Client, TlsGuardError } = require('..');
const { startKit } = require('./kit.js');

let kit, good, ca;
test.before(async () => {
  kit = await startKit();
  good = kit.manifest.servers.good;
  ca = kit.manifest.pki.root_ca;
});
test.after(() => kit && kit.stop());

test('the event loop keeps ticking during a slow request', async () => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const started = Date.now();
  try {
    const err = await fetch(`${good}/slow`, { roots: 'none', caFile: ca, timeout: 800 }).catch((e) => e);
    assert.ok(err instanceof TlsGuardError, String(err));
    assert.equal(err.code, 'TIMEOUT');
    assert.ok(Date.now() - started >= 700, 'the timeout (ms) was honoured');
  } finally {
    clearInterval(timer);
  }
  assert.ok(ticks >= 20, `setInterval ran only ${ticks} times during the request`);
});

test('a request timeout of 0 is no limit (the core\'s rule), a short one ends the request', async () => {
  const client = new Client({ roots: 'none', caFile: ca });
  const r = await client.fetch(`${good}/`, { timeout: 0 });
  assert.equal(r.status, 200);
  const err = await client.fetch(`${good}/slow`, { timeout: 200 }).catch((e) => e);
  assert.ok(err instanceof TlsGuardError, String(err));
  assert.equal(err.code, 'TIMEOUT');
  client.close();
});

test('request bodies (text, bytes, URLSearchParams) and repeated headers reach the server', async () => {
  const client = new Client({ roots: 'none', caFile: ca });
  const echo = async (init) => (await client.fetch(`${good}/echo`, { method: 'POST', ...init })).json();
  let e = await echo({ body: 'h\u00e9llo', headers: [['x-a', '1'], ['x-b', '2'], ['x-a', '3']] });
  assert.equal(e.body, 'h\u00e9llo');
  // The Fetch standard's Content-Type of a string, and its Headers: repeats combined.
  assert.deepEqual(e.headers['content-type'], ['text/plain;charset=UTF-8']);
  assert.deepEqual(e.headers['x-a'], ['1, 3']);
  assert.deepEqual(e.headers['x-b'], ['2']);
  e = await echo({ body: new URLSearchParams([['a', '1'], ['b', 'x&y'], ['a', '2']]) });
  assert.equal(e.body, 'a=1&b=x%26y&a=2');
  assert.deepEqual(e.headers['content-type'], ['application/x-www-form-urlencoded;charset=UTF-8']);
  const pattern = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
  for (const body of [pattern, Buffer.from(pattern), pattern.buffer]) {
    const u = await (await client.fetch(`${good}/upload`, { method: 'PUT', body })).json();
    assert.equal(u.length, 1000);
    assert.equal(u.pattern_ok, true);
  }
  client.close();
  // The one-off fetch takes the same request options.
  const u = await (await fetch(`${good}/upload`, { roots: 'none', caFile: ca, method: 'POST', body: pattern, timeout: 5000 })).json();
  assert.equal(u.pattern_ok, true);
  e = await (await fetch(`${good}/echo`, { roots: 'none', caFile: ca, headers: [['x-a', '1'], ['x-a', '2']] })).json();
  assert.deepEqual(e.headers['x-a'], ['1, 2']);
});

test('AbortSignal cancels a request (AbortError, like fetch)', async () => {
  const client = new Client({ roots: 'none', caFile: ca });
  const controller = new AbortController();
  const started = Date.now();
  setTimeout(() => controller.abort(), 200);
  const err = await client.fetch(`${good}/slow`, { signal: controller.signal }).catch((e) => e);
  assert.equal(err.name, 'AbortError');
  assert.ok(Date.now() - started < 3000, 'aborted long before the server answered');
  // Already aborted: rejects at once with the signal's reason.
  const err2 = await client.fetch(`${good}/`, { signal: AbortSignal.abort() }).catch((e) => e);
  assert.equal(err2.name, 'AbortError');
  // AbortSignal.timeout gives a TimeoutError, as with fetch.
  const err3 = await client.fetch(`${good}/slow`, { signal: AbortSignal.timeout(100) }).catch((e) => e);
  assert.equal(err3.name, 'TimeoutError');
  // The client still works afterwards.
  const r = await client.fetch(`${good}/`);
  assert.equal(r.status, 200);
  client.close();
  // The one-off fetch() too: aborted while waiting for the head.
  const t0 = Date.now();
  const err4 = await fetch(`${good}/slow`, { roots: 'none', caFile: ca, signal: AbortSignal.timeout(150) }).catch((e) => e);
  assert.equal(err4.name, 'TimeoutError');
  assert.ok(Date.now() - t0 < 3000, 'aborted long before the server answered');
});

test('1,000 concurrent fetches through one Client', { timeout: 120_000 }, async () => {
  // Over HTTP/2, so that they share a connection or two (over HTTP/1.1 each request in flight
  // gets a connection of its own: see the next test).
  const client = new Client({ roots: 'none', caFile: ca, http2: true });
  const handlesBefore = process.getActiveResourcesInfo().length;
  const results = await Promise.all(
    Array.from({ length: 1000 }, (_, i) => client.fetch(`${good}/json?i=${i}`).then(async (r) => [r.status, (await r.text()).length])),
  );
  assert.equal(results.length, 1000);
  for (const [status, len] of results) {
    assert.equal(status, 200);
    assert.ok(len > 0);
  }
  client.close();
  // No JS-visible handles are left behind (the pool lives on tlsguard's own threads).
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(process.getActiveResourcesInfo().length <= handlesBefore, JSON.stringify(process.getActiveResourcesInfo()));
});

test('HTTP/1.1 by default; concurrent requests get a pooled connection each, HTTP/2 multiplexes', async () => {
  const ids = async (opts) => {
    const client = new Client({ roots: 'none', caFile: ca, ...opts });
    const rs = await Promise.all(Array.from({ length: 8 }, () => client.fetch(`${good}/conn-slow`)));
    const versions = new Set(rs.map((r) => r.httpVersion));
    const conns = new Set(await Promise.all(rs.map((r) => r.text())));
    client.close();
    return { versions: [...versions], conns: conns.size };
  };
  assert.deepEqual(await ids({}), { versions: ['HTTP/1.1'], conns: 8 });
  const h2 = await ids({ http2: true });
  assert.deepEqual(h2.versions, ['HTTP/2']);
  assert.ok(h2.conns <= 2, `HTTP/2 multiplexes: ${h2.conns} connections`);
});

test('a closed Client refuses new requests', async () => {
  const client = new Client({ roots: 'none', caFile: ca });
  client.close();
  const err = await client.fetch(`${good}/`).catch((e) => e);
  assert.ok(err instanceof TlsGuardError);
  assert.equal(err.code, 'INVALID_ARGUMENT');
});

test('response: headers, body (read once), peerCertificates (parsed when read)', async () => {
  const client = new Client({ roots: 'none', caFile: ca });
  try {
    const r = await client.fetch(`${good}/json`, { headers: [['x-test', '1']] });
    assert.equal(r.status, 200);
    assert.equal(typeof r.headers.get('content-type'), 'string');
    assert.ok(r.headers instanceof Headers && [...r.headers].length > 0);
    assert.ok(r instanceof globalThis.Response);
    const certs = r.peerCertificates;
    assert.ok(certs.length >= 1);
    assert.equal(r.peerCertificates, certs, 'the same array on every read');
    assert.ok(certs[0].notAfter instanceof Date);
    assert.ok(Buffer.isBuffer(certs[0].der));
    assert.deepEqual(Object.keys(certs[0]), ['der']);
    const ab = await r.arrayBuffer();
    assert.ok(ab instanceof ArrayBuffer && ab.byteLength > 0);
    await assert.rejects(r.text(), TypeError);
    // A second response on the same connection: its certificates are equal, and parsed apart.
    const r2 = await client.fetch(`${good}/json`);
    assert.equal(r2.peerCertificates[0].fingerprintSha256, certs[0].fingerprintSha256);
    assert.notEqual(r2.peerCertificates[0], certs[0]);
    assert.deepEqual(await r2.json(), JSON.parse(Buffer.from(ab).toString('utf8')));
  } finally {
    client.close();
  }
});

test('TLSGUARD_LOG=debug prints the debug log to stderr', () => {
  const { spawnSync } = require('node:child_process');
  const pkg = require('node:path').join(__dirname, '..');
  const script = `require(${JSON.stringify(pkg)}).fetch(${JSON.stringify(`${good}/?token=q5ecret`)}, { roots: 'none', caFile: ${JSON.stringify(ca)} }).then((r) => console.log(r.status))`;
  const run = (env) => spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8', timeout: 60_000 });
  const r = run({ ...process.env, TLSGUARD_LOG: 'debug' });
  assert.equal(r.stdout.trim(), '200', r.stderr);
  for (const step of ['connecting to localhost:', 'certificate chain verified', '200 OK from localhost', 'new connection #']) {
    assert.ok(r.stderr.includes(step), `${step}: ${r.stderr}`);
  }
  assert.ok(!r.stderr.includes('q5ecret'), r.stderr);
  const env = { ...process.env };
  delete env.TLSGUARD_LOG;
  const quiet = run(env);
  assert.equal(quiet.stdout.trim(), '200', quiet.stderr);
  assert.equal(quiet.stderr, '');
});
