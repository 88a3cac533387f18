'use strict';
// client.stream(): a Response whose body is a pull-based ReadableStream, one core chunk per
// pull, through the same completion queue as fetch (the process must still exit: node:test
// hangs if an abort or an error leaves a completion counted as in flight).
const test = require('node:test');
const assert = require('node:assert/strict');
const { Client, TlsGuardError } = require('..');
const { startKit } = require('./kit.js');

let kit, good, ca;
test.before(async () => {
  kit = await startKit();
  good = kit.manifest.servers.good;
  ca = kit.manifest.pki.root_ca;
});
test.after(() => kit && kit.stop());

test('a 3 MiB body read chunk by chunk through res.body.getReader(), every byte checked', async () => {
  const client = new Client({ roots: 'none', caFile: ca });
  const n = 3 * 1024 * 1024 + 12345;
  const res = await client.stream(`${good}/stream?bytes=${n}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-length'), String(n));
  assert.equal(res.httpVersion, 'HTTP/1.1');
  assert.ok(res.body instanceof ReadableStream);
  assert.equal(res.bodyUsed, false);
  const reader = res.body.getReader();
  let i = 0;
  let chunks = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    assert.ok(value instanceof Uint8Array);
    chunks++;
    for (let k = 0; k < value.length; k++, i++) {
      if (value[k] !== i % 251) assert.fail(`byte ${i} is ${value[k]}, expected ${i % 251}`);
    }
  }
  assert.equal(i, n);
  assert.ok(chunks > 1, `${chunks} chunks`);
  assert.equal(res.bodyUsed, true);
  await assert.rejects(res.text(), TypeError);
  client.close();
});

test('a gzip body is decoded: text(), json(), arrayBuffer(), bytes()', async () => {
  const client = new Client({ roots: 'none', caFile: ca });
  const text = await (await client.stream(`${good}/gzip`)).text();
  assert.deepEqual(JSON.parse(text), { compressed: true, text: 'hello' });
  assert.deepEqual(await (await client.stream(`${good}/gzip`)).json(), { compressed: true, text: 'hello' });
  const ab = await (await client.stream(`${good}/stream?bytes=70000`)).arrayBuffer();
  assert.ok(ab instanceof ArrayBuffer);
  assert.equal(ab.byteLength, 70000);
  const u8 = await (await client.stream(`${good}/stream?bytes=1000`)).bytes();
  assert.equal(u8.length, 1000);
  assert.equal(u8[999], 999 % 251);
  client.close();
});

test('readTimeout (ms) reaches the core: the second read of a stalled body rejects with TIMEOUT', async () => {
  const client = new Client({ roots: 'none', caFile: ca, readTimeout: 400 });
  const res = await client.stream(`${good}/stall-body`);
  const reader = res.body.getReader();
  const first = await reader.read();
  assert.equal(first.value.length, 1024);
  const started = Date.now();
  const err = await reader.read().then(() => null, (e) => e);
  assert.ok(err instanceof TlsGuardError, String(err));
  assert.equal(err.code, 'TIMEOUT');
  assert.match(err.message, /read_timeout/);
  assert.ok(Date.now() - started < 5000, 'the 400 ms were not taken as seconds');
  client.close();
});

test('an AbortSignal aborts the body mid-read (AbortError) and the head', async () => {
  const client = new Client({ roots: 'none', caFile: ca });
  const ac = new AbortController();
  const res = await client.stream(`${good}/stream?bytes=${8 * 1024 * 1024}&chunk=16384&every_ms=20`, { signal: ac.signal });
  const reader = res.body.getReader();
  assert.equal((await reader.read()).done, false);
  setTimeout(() => ac.abort(), 50);
  const err = await (async () => {
    for (;;) {
      const { done } = await reader.read();
      if (done) return null;
    }
  })().catch((e) => e);
  assert.ok(err && err.name === 'AbortError', String(err));

  // Aborted while waiting for the head.
  const ac2 = new AbortController();
  const p = client.stream(`${good}/slow`, { signal: ac2.signal });
  setTimeout(() => ac2.abort(), 50);
  const started = Date.now();
  await assert.rejects(p, { name: 'AbortError' });
  assert.ok(Date.now() - started < 3000);

  // Already aborted: rejected at once.
  await assert.rejects(client.stream(`${good}/`, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  // The abort reason, as fetch does.
  const ac3 = new AbortController();
  const res3 = await client.stream(`${good}/stream?bytes=1000000&every_ms=50&chunk=1000`, { signal: ac3.signal });
  const reason = new Error('enough');
  ac3.abort(reason);
  await assert.rejects(res3.text(), (e) => e === reason);
  client.close();
});

test('reader.cancel() drops the body; the same client then works', async () => {
  const client = new Client({ roots: 'none', caFile: ca });
  const res = await client.stream(`${good}/stream?bytes=${16 * 1024 * 1024}`);
  const reader = res.body.getReader();
  await reader.read();
  await reader.cancel();
  const r = await client.fetch(`${good}/stream?bytes=5000`);
  assert.equal(r.status, 200);
  assert.equal((await r.arrayBuffer()).byteLength, 5000);
  // A cancelled stream with a pull in flight.
  const res2 = await client.stream(`${good}/stall-body`);
  const reader2 = res2.body.getReader();
  await reader2.read();
  const pending = reader2.read();
  await reader2.cancel();
  assert.deepEqual(await pending, { done: true, value: undefined });
  assert.equal((await (await client.stream(`${good}/`)).text()).length > 0, true);
  client.close();
});

test('errors: a refused connection rejects the head, a bad option throws, a closed client refuses', async () => {
  const client = new Client({ roots: 'none', caFile: ca });
  await assert.rejects(client.stream(`${good}/`, { method: 'BAD METHOD' }), { name: 'TlsGuardError', code: 'INVALID_ARGUMENT' });
  await assert.rejects(client.stream(`${good}/`, { caFile: ca }), TypeError);
  await assert.rejects(client.stream('https://127.0.0.1:1/'), (e) => e instanceof TlsGuardError && e.category === 'network');
  const res = await client.stream(`${good}/status/404`);
  assert.equal(res.status, 404);
  assert.equal(res.ok, false);
  await res.body.cancel();
  client.close();
  await assert.rejects(client.stream(`${good}/`), { code: 'INVALID_ARGUMENT' });
});

test("bodies match Node's own https + zlib (the oracle) for generated, gzip and deflate bodies", async () => {
  const https = require('node:https');
  const zlib = require('node:zlib');
  const fs = require('node:fs');
  const agent = new https.Agent({ ca: fs.readFileSync(ca) });
  const viaHttps = (url) =>
    new Promise((resolve, reject) => {
      https
        .get(url, { agent }, (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const raw = Buffer.concat(chunks);
            const enc = res.headers['content-encoding'];
            const body = enc === 'gzip' ? zlib.gunzipSync(raw) : enc === 'deflate' ? zlib.inflateSync(raw) : raw;
            resolve({ status: res.statusCode, body, enc });
          });
          res.on('error', reject);
        })
        .on('error', reject);
    });
  const client = new Client({ roots: 'none', caFile: ca });
  for (const path of ['/stream?bytes=1000003', '/gzip', '/deflate', '/chunked']) {
    const want = await viaHttps(`${good}${path}`);
    const res = await client.stream(`${good}${path}`);
    const body = Buffer.from(await res.arrayBuffer());
    assert.deepEqual({ status: res.status, body, enc: res.headers.get('content-encoding') ?? undefined }, want, path);
  }
  agent.destroy();
  client.close();
});

test('bodyDecoded: the core\'s answer (every coding one tlsguard decodes), the header kept', async () => {
  const client = new Client({ roots: 'none', caFile: ca });
  const gz = await client.fetch(`${good}/gzip`);
  assert.equal(gz.bodyDecoded, true);
  assert.equal(gz.headers.get('content-encoding'), 'gzip', 'kept as received, as Node\'s fetch does');
  assert.equal((await gz.json()).text, 'hello');
  const head = await client.fetch(`${good}/gzip`, { method: 'HEAD' });
  assert.equal(head.bodyDecoded, true, 'said of the headers, HEAD too');
  const plain = await client.fetch(`${good}/`);
  assert.equal(plain.bodyDecoded, false);
  await plain.arrayBuffer();
  assert.equal(new (require('..').Response)('x').bodyDecoded, false, 'not made by tlsguard');
  client.close();
});
