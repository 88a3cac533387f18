'use strict';
// The body of a tlsguard Response is read straight from what the addon handed over until
// something needs a ReadableStream (`body`, `blob()`, `formData()`, `clone()` of a body still
// arriving): these tests check that both ways give the bytes, and the states Node's own
// Response gives (bodyUsed, "Body is unusable", a used body's locked stream), in every order.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Client } = require('..');
const { startKit } = require('./kit.js');

let kit, good, client;
test.before(async () => {
  kit = await startKit();
  good = kit.manifest.servers.good;
  client = new Client({ roots: 'none', caFile: kit.manifest.pki.root_ca });
});
test.after(() => {
  if (client) client.close();
  if (kit) kit.stop();
});

function checkPattern(u8, n) {
  assert.equal(u8.length, n);
  for (let i = 0; i < n; i++) {
    if (u8[i] !== i % 251) assert.fail(`byte ${i} is ${u8[i]}, expected ${i % 251}`);
  }
}

test('a body read whole, small (with the head) and large (pulled): bytes, state, a second read refused', async () => {
  for (const n of [1000, 3 * 1024 * 1024 + 7]) {
    const res = await client.fetch(`${good}/stream?bytes=${n}`);
    assert.equal(res.bodyUsed, false);
    const ab = await res.arrayBuffer();
    assert.ok(ab instanceof ArrayBuffer);
    checkPattern(new Uint8Array(ab), n);
    assert.equal(res.bodyUsed, true);
    await assert.rejects(res.text(), { name: 'TypeError', message: /Body is unusable/ });
    await assert.rejects(res.arrayBuffer(), TypeError);
    // As Node's Response after a read: `body` is there, used and locked.
    assert.ok(res.body instanceof ReadableStream);
    assert.equal(res.body.locked, true);
    assert.throws(() => res.clone(), TypeError);
  }
});

test('text(), json() and bytes() read whole; an empty body is empty', async () => {
  assert.deepEqual(await (await client.fetch(`${good}/gzip`)).json(), { compressed: true, text: 'hello' });
  const bytes = await (await client.fetch(`${good}/stream?bytes=70000`)).bytes();
  assert.ok(bytes instanceof Uint8Array);
  checkPattern(bytes, 70000);
  const empty = await client.fetch(`${good}/stream?bytes=0`);
  assert.equal((await empty.arrayBuffer()).byteLength, 0);
  await assert.rejects((await client.fetch(`${good}/stream?bytes=10`)).json(), SyntaxError);
});

test('body touched first: the stream has every byte, then the body is used', async () => {
  for (const n of [1000, 1024 * 1024]) {
    const res = await client.fetch(`${good}/stream?bytes=${n}`);
    const stream = res.body;
    assert.equal(res.body, stream, 'the same stream on every read of body');
    const parts = [];
    for await (const chunk of stream) parts.push(chunk);
    checkPattern(Buffer.concat(parts), n);
    assert.equal(res.bodyUsed, true);
    await assert.rejects(res.arrayBuffer(), TypeError);
  }
  // Touched but not read: the methods read it through the stream.
  const res = await client.fetch(`${good}/stream?bytes=5000`);
  assert.ok(res.body);
  checkPattern(new Uint8Array(await res.arrayBuffer()), 5000);
});

test('clone(): both copies read the whole body, in any mix of stream and method', async () => {
  for (const n of [1000, 2 * 1024 * 1024]) {
    const res = await client.fetch(`${good}/stream?bytes=${n}`);
    const copy = res.clone();
    assert.equal(copy.status, 200);
    assert.equal(copy.httpVersion, res.httpVersion, 'the facts are kept');
    const parts = [];
    for await (const chunk of copy.body) parts.push(chunk);
    checkPattern(Buffer.concat(parts), n);
    checkPattern(new Uint8Array(await res.arrayBuffer()), n);
    const res2 = await client.fetch(`${good}/stream?bytes=${n}`);
    const copy2 = res2.clone();
    checkPattern(new Uint8Array(await res2.arrayBuffer()), n);
    checkPattern(await copy2.bytes(), n);
  }
});

test('blob() and formData() through Node machinery', async () => {
  const blob = await (await client.fetch(`${good}/stream?bytes=4000`)).blob();
  assert.ok(blob instanceof Blob);
  checkPattern(new Uint8Array(await blob.arrayBuffer()), 4000);
  // Not a form: formData() rejects as Node's does.
  await assert.rejects((await client.fetch(`${good}/stream?bytes=10`)).formData(), TypeError);
});
