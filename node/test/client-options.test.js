'use strict';
// The core's client options through the Node Client: a cookie jar (exported and imported),
// auth (to the request's origin only), retries, baseUrl and a default query; close().
const test = require('node:test');
const assert = require('node:assert/strict');
const { Client, TlsGuardError } = require('..');
const { startKit } = require('./kit.js');

let kit, good, trust;
test.before(async () => {
  kit = await startKit();
  good = kit.manifest.servers.good;
  trust = { roots: 'none', caFile: kit.manifest.pki.root_ca };
});
test.after(() => kit && kit.stop());

const echo = async (client, url, init) => (await client.fetch(url, init)).json();

test('cookies: a jar keeps Set-Cookie (redirects included), exports it and a new Client starts with it', async () => {
  const client = new Client({ ...trust, cookies: true });
  assert.deepEqual(client.cookies(), []);
  const set = `${good}/set-cookie?c=${encodeURIComponent('session=abc; Path=/')}&c=${encodeURIComponent('pref=dark; Path=/; Max-Age=3600')}&redirect=/echo`;
  const e = await echo(client, set);
  assert.deepEqual(e.headers.cookie, ['session=abc; pref=dark'], 'sent on the redirect hop already');
  const jar = client.cookies();
  assert.deepEqual(jar.map((c) => c.name).sort(), ['pref', 'session']);
  const session = jar.find((c) => c.name === 'session');
  assert.equal(session.expires, null);
  assert.equal(session.hostOnly, true);
  const pref = jar.find((c) => c.name === 'pref');
  assert.ok(pref.expires instanceof Date && pref.expires > new Date());
  client.close();
  const again = new Client({ ...trust, cookies: jar });
  assert.deepEqual((await echo(again, `${good}/echo`)).headers.cookie, ['session=abc; pref=dark']);
  assert.equal(new Client(trust).cookies(), null, 'no jar');
  again.close();
});

test('auth: a bearer token for every request, to the request\'s origin only', async () => {
  const client = new Client({ ...trust, auth: { bearer: 'tok3n' } });
  assert.deepEqual((await echo(client, `${good}/echo`)).headers.authorization, ['Bearer tok3n']);
  // /redirect/cross-origin goes to 127.0.0.1: another origin, the token stays behind.
  const cross = await echo(client, `${good}/redirect/cross-origin`);
  assert.equal(cross.headers.authorization, undefined);
  const basic = new Client({ ...trust, auth: { basic: ['alice', 's3cret'] } });
  assert.deepEqual((await echo(basic, `${good}/echo`)).headers.authorization, [`Basic ${Buffer.from('alice:s3cret').toString('base64')}`]);
  const err = (() => {
    try {
      return new Client({ ...trust, auth: { token: 'x' } });
    } catch (e) {
      return e;
    }
  })();
  assert.ok(err instanceof TlsGuardError && err.code === 'INVALID_ARGUMENT', String(err));
  assert.match(err.message, /auth/);
  client.close();
  basic.close();
});

test('retries: a 503 answered again, with the policy\'s times in ms', async () => {
  const client = new Client({ ...trust, retries: { max: 2, backoff: 10, maxBackoff: 50 } });
  const key = `node-${process.pid}-${Date.now()}`;
  const started = Date.now();
  const res = await client.fetch(`${good}/flaky?key=${key}&fail=2`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'attempt 3');
  assert.ok(Date.now() - started < 2000, 'backoff read as ms, not seconds');
  const none = new Client(trust);
  const once = await none.fetch(`${good}/flaky?key=${key}-b&fail=1`);
  assert.equal(once.status, 503, 'no retries by default');
  client.close();
  none.close();
});

test('baseUrl and query: relative URLs resolve against the base (as new URL(url, base))', async () => {
  const client = new Client({ ...trust, baseUrl: `${good}/echo/`, query: { v: '1' } });
  const e = await echo(client, 'items?x=2');
  assert.equal(e.path, '/echo/items');
  assert.equal(e.query, 'x=2&v=1', 'appended to the URL\'s own query');
  const res = await client.fetch('/json');
  assert.equal(res.url, `${good}/json?v=1`);
  assert.deepEqual((await res.json()).hello, 'world');
  // The Fetch standard's rule still holds for absolute URLs: no credentials.
  await assert.rejects(client.fetch(good.replace('https://', 'https://u:p@') + '/'), (x) => x instanceof TypeError && /credentials/.test(x.message));
  client.close();
});

test('close() closes the core client: later requests are refused with INVALID_ARGUMENT', async () => {
  const client = new Client(trust);
  assert.equal((await client.fetch(`${good}/`)).status, 200);
  client.close();
  await assert.rejects(client.fetch(`${good}/`), (e) => e instanceof TlsGuardError && e.code === 'INVALID_ARGUMENT');
  client.close(); // twice is fine
});

test('engines says Node >= 20, the version tested', () => {
  const pkg = require('../package.json');
  assert.equal(pkg.engines.node, '>= 20');
  assert.ok(Number(process.versions.node.split('.')[0]) >= 20);
});
