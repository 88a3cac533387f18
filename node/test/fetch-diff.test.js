'use strict';
// The differential suite: the matrix of test/diff/cases.js through Node's global fetch (a
// child process trusting the kit's root by NODE_EXTRA_CA_CERTS) and through tlsguard's fetch,
// compared on status, statusText, headers (sorted iteration, set-cookie kept apart), body
// bytes, url, redirected, type and the error's class. Every difference is listed below and in
// the README ("Differences from Node's fetch"); any other fails the test.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { promisify } = require('node:util');
const tlsguard = require('..');
const { startKit } = require('./kit.js');
const { runAll, cases } = require('./diff/cases.js');

/**
 * The deliberate differences, by case: a function that turns tlsguard's result into what
 * Node's fetch gives, with the reason (README: "Differences from Node's fetch").
 */
const DELIBERATE = {
  // Node 20's fetch sends a Referer under referrerPolicy 'no-referrer' (an undici bug: the
  // policy says none); tlsguard sends none.
  'referrer, no-referrer': (r) => ({ ...r, echo: { ...r.echo, headers: { ...r.echo.headers, referer: ['https://example.com/'] } } }),
  // Node's fetch asks the server to close the connection after a HEAD (undici's guard against
  // servers that send a body anyway), and the kit's server says `connection: close`; tlsguard
  // keeps the connection for the next request.
  'HEAD /': (r, node) => withHeaders(r, node, ['connection']),
  'HEAD /json (lowercase method)': (r, node) => withHeaders(r, node, ['connection']),
  // Node 20's fetch fails a 307/308 redirect of a Uint8Array body (undici reads a detached
  // ArrayBuffer); tlsguard sends it again, as RFC 9110 says.
  '307 resends a bytes body': (r) => (r.status === 200 ? { error: true, typeError: true, name: 'TypeError', domException: false } : r),
};

/** `r` with `node`'s values of the headers `names` (the rest as tlsguard gave them). */
function withHeaders(r, node, names) {
  const keep = r.headers.filter(([k]) => !names.includes(k));
  const theirs = node.headers.filter(([k]) => names.includes(k));
  return { ...r, headers: [...keep, ...theirs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) };
}

let kit;
test.before(async () => {
  kit = await startKit();
});
test.after(() => kit && kit.stop());

test('tlsguard fetch and Node\'s global fetch agree over the matrix', { timeout: 120_000 }, async () => {
  const child = path.join(__dirname, 'diff', 'child.js');
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: kit.manifest.pki.root_ca };
  const { stdout } = await promisify(execFile)(process.execPath, [child, kit.manifestPath], { env, maxBuffer: 16 << 20 });
  const node = JSON.parse(stdout);
  const trust = { roots: 'none', caFile: kit.manifest.pki.root_ca };
  // Through JSON as the child's results came (undefined values dropped).
  const ours = JSON.parse(JSON.stringify(await runAll((input, init) => tlsguard.fetch(input, { ...(init || {}), ...trust }), kit.manifest)));
  const names = cases(kit.manifest).map((c) => c.name);
  assert.ok(names.length >= 75, 'the whole matrix ran');
  const differences = [];
  for (const name of names) {
    const adjust = DELIBERATE[name];
    let mine = adjust ? adjust(ours[name], node[name]) : ours[name];
    // Every error of tlsguard's own is a TlsGuardError, a TypeError named for itself (with
    // `code`, `hint`, `chain`); Node's fetch throws TypeError('fetch failed') with a `cause`.
    if (mine.error && mine.name === 'TlsGuardError') mine = { ...mine, name: 'TypeError' };
    try {
      assert.deepEqual(mine, node[name]);
    } catch (e) {
      differences.push(`${name}:\n${e.message}`);
    }
  }
  assert.equal(differences.length, 0, differences.join('\n\n'));
  // Each deliberate difference is real (else its entry should go).
  for (const name of Object.keys(DELIBERATE)) {
    assert.ok(names.includes(name), name);
    assert.notDeepEqual(ours[name], node[name], `${name} no longer differs: remove it from DELIBERATE and the README`);
  }
});

test('errors: a TlsGuardError is a TypeError with the code on it; the refusals of the standard are TypeErrors', async () => {
  const ca = kit.manifest.pki.root_ca;
  const e = await tlsguard.fetch(`${kit.manifest.servers.expired}/`, { roots: 'none', caFile: ca }).catch((x) => x);
  assert.ok(e instanceof TypeError);
  assert.ok(e instanceof tlsguard.TlsGuardError);
  assert.equal(e.code, 'CERT_EXPIRED');
  assert.equal(e.name, 'TlsGuardError');
  const good = kit.manifest.servers.good;
  const creds = await tlsguard.fetch(good.replace('https://', 'https://u:p@'), { roots: 'none', caFile: ca }).catch((x) => x);
  assert.ok(creds instanceof TypeError && !(creds instanceof tlsguard.TlsGuardError));
  assert.match(creds.message, /credentials/);
  const redirect = await tlsguard.fetch(`${good}/redirect/1`, { roots: 'none', caFile: ca, redirect: 'error' }).catch((x) => x);
  assert.ok(redirect instanceof TypeError);
  assert.equal(redirect.code, 'REDIRECT_REFUSED');
});
