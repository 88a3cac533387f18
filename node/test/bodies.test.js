'use strict';
// Request bodies streamed from JS (ReadableStream, async iterables, big Blobs) with
// backpressure, a 512 MiB download through res.body in bounded memory, and the standard's init
// keys that map to tlsguard's options (headersTimeout/bodyTimeout -> readTimeout).
const test = require('node:test');
const assert = require('node:assert/strict');
const { fetch, Client, TlsGuardError } = require('..');
const { startKit } = require('./kit.js');

let kit, good, trust;
test.before(async () => {
  kit = await startKit();
  good = kit.manifest.servers.good;
  trust = { roots: 'none', caFile: kit.manifest.pki.root_ca };
});
test.after(() => kit && kit.stop());

/** Bytes `from..from+n` of the kit's pattern (byte i is i % 251). */
function pattern(from, n) {
  return Uint8Array.from({ length: n }, (_, i) => (from + i) % 251);
}

test('a 512 MiB download through res.body stays in bounded memory, every byte checked', { timeout: 300_000 }, async () => {
  const total = 512 * 1024 * 1024;
  const client = new Client({ ...trust, maxResponseBytes: 2 ** 40 });
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const res = await client.fetch(`${good}/stream?bytes=${total}&chunk=262144`);
  assert.equal(res.headers.get('content-length'), String(total));
  let n = 0;
  let ok = true;
  let chunks = 0;
  for await (const chunk of res.body) {
    // Spot checks (every byte of every 64th chunk), so the check does not dominate the time.
    if (chunks++ % 64 === 0) for (let i = 0; i < chunk.length; i++) ok &&= chunk[i] === (n + i) % 251;
    n += chunk.length;
    if (chunks % 256 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  assert.equal(n, total);
  assert.ok(ok, 'the pattern held');
  const grew = (peak - before) / 1024 / 1024;
  assert.ok(grew < 160, `RSS grew ${grew.toFixed(0)} MiB over a 512 MiB body`);
  client.close();
});

test('the cap of a body: RESPONSE_TOO_LARGE past maxResponseBytes while it is read (a gzip bomb)', async () => {
  const res = await fetch(`${good}/gzip-bomb`, { ...trust, maxResponseBytes: 4 * 1024 * 1024 });
  assert.equal(res.status, 200);
  const err = await res.arrayBuffer().catch((e) => e);
  assert.ok(err instanceof TlsGuardError, String(err));
  assert.equal(err.code, 'RESPONSE_TOO_LARGE');
  assert.match(err.message, /max_response_bytes \(4194304 bytes\) after decompression \(gzip\)/);
});

test('a streamed upload of 48 MiB: pulled as the connection takes it, memory bounded', { timeout: 120_000 }, async () => {
  const total = 48 * 1024 * 1024;
  const chunk = 64 * 1024;
  let produced = 0;
  let ahead = 0;
  const body = new ReadableStream({
    pull(c) {
      if (produced >= total) return c.close();
      c.enqueue(pattern(produced % 251, Math.min(chunk, total - produced)));
      produced += Math.min(chunk, total - produced);
      ahead = Math.max(ahead, produced);
    },
  }, { highWaterMark: 0 });
  const before = process.memoryUsage().rss;
  const res = await fetch(`${good}/upload`, { ...trust, method: 'PUT', body, duplex: 'half' });
  const u = await res.json();
  assert.equal(u.length, total);
  assert.equal(u.pattern_ok, true);
  assert.equal(u.chunked, true);
  const grew = (process.memoryUsage().rss - before) / 1024 / 1024;
  assert.ok(grew < 64, `RSS grew ${grew.toFixed(0)} MiB over a 48 MiB upload`);
});

test('a Blob over 8 MiB is streamed with its length; a failing source fails the request with IO', async () => {
  const big = new Blob([pattern(0, 9 * 1024 * 1024 + 5)]);
  const u = await (await fetch(`${good}/upload`, { ...trust, method: 'POST', body: big })).json();
  assert.deepEqual([u.length, u.pattern_ok, u.chunked], [9 * 1024 * 1024 + 5, true, false]);
  const failing = (async function* gen() {
    yield new Uint8Array(1000);
    throw new Error('the disk went away');
  })();
  const err = await fetch(`${good}/upload`, { ...trust, method: 'POST', body: failing, duplex: 'half' }).catch((e) => e);
  assert.ok(err instanceof TlsGuardError, String(err));
  assert.equal(err.code, 'IO');
  assert.match(err.message, /the disk went away/);
  // A chunk that is not bytes is the source's failure too.
  const strange = (async function* gen() {
    yield 42;
  })();
  const err2 = await fetch(`${good}/upload`, { ...trust, method: 'POST', body: strange, duplex: 'half' }).catch((e) => e);
  assert.equal(err2.code, 'IO');
  assert.match(err2.message, /Uint8Array/);
});

test('an aborted request cancels its upload source', async () => {
  let cancelled = null;
  const body = new ReadableStream({
    pull: () => new Promise(() => {}), // never yields: the server waits for the body
    cancel: (reason) => {
      cancelled = reason === undefined ? 'cancelled' : reason;
    },
  });
  const err = await fetch(`${good}/upload`, { ...trust, method: 'POST', body, duplex: 'half', signal: AbortSignal.timeout(200) }).catch((e) => e);
  assert.equal(err.name, 'TimeoutError');
  assert.equal(cancelled, err, 'the source was cancelled with the reason');
});

test('headersTimeout / bodyTimeout are the read timeout; timeout set is a deadline for the body too', async () => {
  const res = await fetch(`${good}/stall-body`, { ...trust, bodyTimeout: 300 });
  const err = await res.text().catch((e) => e);
  assert.ok(err instanceof TlsGuardError, String(err));
  assert.equal(err.code, 'TIMEOUT');
  assert.match(err.message, /read_timeout/);
  const client = new Client(trust);
  const res2 = await client.fetch(`${good}/stall-body`, { headersTimeout: 300 });
  assert.equal((await res2.text().catch((e) => e)).code, 'TIMEOUT');
  await assert.rejects(client.fetch(`${good}/`, { headersTimeout: 100, bodyTimeout: 200 }), (e) => e instanceof TypeError && /one idle timeout/.test(e.message));
  // Without a timeout, a slow body is not cut at the head's deadline; with one it is.
  const slow = await client.fetch(`${good}/slow-body`);
  assert.equal(await slow.text(), 'slow body\n');
  const capped = await client.fetch(`${good}/slow-body`, { timeout: 1000 });
  const e3 = await capped.text().catch((e) => e);
  assert.equal(e3.code, 'TIMEOUT');
  client.close();
});

test('keepAlive (connection reuse) is not a fetch init key; keepalive (the standard\'s) is accepted', async () => {
  const err = await fetch(`${good}/`, { ...trust, keepAlive: false }).catch((e) => e);
  assert.ok(err instanceof TypeError && !(err instanceof TlsGuardError));
  assert.match(err.message, /new Client\(\)/);
  const res = await fetch(`${good}/`, { ...trust, keepalive: true });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
});
