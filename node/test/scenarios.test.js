'use strict';
// The shared scenario suite (crates/tlsguard-testkit): every scenario of the manifest must
// reject with its expected code and message facts, or succeed with its status etc.
const test = require('node:test');
const assert = require('node:assert/strict');
const { fetch, Client, TlsGuardError } = require('..');
const { startKit, jsOptions, camel } = require('./kit.js');

let kit;
test.before(async () => {
  kit = await startKit();
});
test.after(() => kit && kit.stop());

function init(sc) {
  return { method: sc.method, headers: sc.request.headers, body: sc.request.body };
}

// err.detail has every key of `want` (camelCase here), each value containing its text (a
// list: one element; a time: a Date).
function checkDetail(sc, err, want) {
  if (Object.keys(want).length === 0) return;
  assert.equal(typeof err.detail, 'object', `${sc.name}: no detail`);
  for (const [key, fact] of Object.entries(want)) {
    const v = err.detail[camel(key)];
    assert.ok(v != null, `${sc.name}: detail lacks ${camel(key)}: ${JSON.stringify(err.detail)}`);
    if (v instanceof Date) assert.equal(fact, '', `${sc.name}: ${key}`);
    else if (Array.isArray(v)) assert.ok(!fact || v.some((x) => x.includes(fact)), `${sc.name}: ${key} ${v}`);
    else assert.ok(v.includes(fact), `${sc.name}: ${key}: ${JSON.stringify(fact)} not in ${v}`);
  }
}

// A row with max_seconds (the hostile servers) must end within that time, and the client
// must then still get a 200 from the good server (`next` sends that request).
async function check(sc, request, next) {
  const e = sc.expect;
  // The response with its body read (a body's failures surface there, as with Node's fetch).
  let run = () => request().then(async (r) => {
    r.bodyBytes = Buffer.from(await r.arrayBuffer());
    return r;
  });
  if (e.max_seconds != null) {
    const started = process.hrtime.bigint();
    const settled = await run().then(
      (r) => ({ r }),
      (err) => ({ err }),
    );
    const took = Number(process.hrtime.bigint() - started) / 1e9;
    assert.ok(took <= e.max_seconds, `${sc.name}: took ${took.toFixed(2)} s > ${e.max_seconds} s`);
    const after = await next();
    assert.equal(after.status, 200, `${sc.name}: the next request`);
    await after.arrayBuffer();
    run = () => (settled.err ? Promise.reject(settled.err) : Promise.resolve(settled.r));
  }
  if (e.code) {
    const err = await run().then(
      (r) => assert.fail(`${sc.name}: expected ${e.code}, got status ${r.status}`),
      (err) => err,
    );
    assert.ok(err instanceof TlsGuardError, `${sc.name}: ${err && err.stack}`);
    assert.equal(err.code, e.code, `${sc.name}: ${err.message}`);
    assert.equal(typeof err.hint, 'string');
    assert.ok(err.hint.length > 0, `${sc.name}: hint`);
    for (const fact of e.message_contains) assert.ok(err.message.includes(fact), `${sc.name}: ${JSON.stringify(fact)} not in ${err.message}`);
    if (err.chain.length) assert.ok(err.chain[0].notAfter instanceof Date);
    checkDetail(sc, err, e.detail || {});
    if (e.cause_contains) {
      assert.ok(err.cause instanceof Error, `${sc.name}: cause ${err.cause}`);
      assert.ok(err.cause.message.includes(e.cause_contains), `${sc.name}: cause ${err.cause.message}`);
      assert.equal(typeof err.cause.errno, 'number');
    }
    return;
  }
  const r = await run();
  if (e.status != null) assert.equal(r.status, e.status, sc.name);
  const body = r.bodyBytes.toString('utf8');
  for (const s of e.body_contains) assert.ok(body.includes(s), `${sc.name}: ${JSON.stringify(s)} not in body`);
  if (e.http_version) assert.equal(r.httpVersion, e.http_version, sc.name);
  if (e.tls_version) assert.equal(r.tlsVersion, e.tls_version, sc.name);
}

test('every scenario through fetch()', async (t) => {
  for (const sc of kit.manifest.scenarios) {
    const opts = jsOptions(sc.options);
    await t.test(sc.name, () =>
      check(
        sc,
        () => fetch(sc.url, { ...opts, ...init(sc) }),
        () => fetch(`${kit.manifest.servers.good}/`, opts),
      ),
    );
  }
});

test('every scenario through a Client', async (t) => {
  for (const sc of kit.manifest.scenarios) {
    await t.test(sc.name, async () => {
      const client = new Client(jsOptions(sc.options));
      try {
        await check(
          sc,
          () => client.fetch(sc.url, init(sc)),
          () => client.fetch(`${kit.manifest.servers.good}/`),
        );
      } finally {
        client.close();
      }
    });
  }
});
