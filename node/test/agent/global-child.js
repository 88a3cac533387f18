'use strict';
// Run by dispatcher.test.js in a process of its own: installs a TlsGuardAgent as the global
// dispatcher (undici's setGlobalDispatcher, the documented one line), then uses Node's global
// fetch and undici.request without a dispatcher, and prints what happened as JSON.
const fs = require('node:fs');
const { setGlobalDispatcher, request } = require('undici');
const { TlsGuardAgent } = require('../..');

// `node --test test/` runs every file under test/: without the manifest there is nothing to do.
if (process.argv[2] === undefined) process.exit(0);
const manifest = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const ca = manifest.pki.root_ca;
setGlobalDispatcher(new TlsGuardAgent({ roots: 'none', caFile: ca }));

const url = (name) => manifest.scenarios.find((s) => s.name === name).url;

function failure(e) {
  const c = e.cause || {};
  return { name: e.name, message: e.message, isTypeError: e instanceof TypeError, code: e.code,
    cause: { name: c.name, code: c.code, message: c.message, hint: c.hint, chain: Array.isArray(c.chain) ? c.chain.length : null } };
}

(async () => {
  const out = {};
  out.expired = await fetch(url('expired')).then((r) => ({ status: r.status }), failure);
  const good = await fetch(url('good'));
  out.good = { status: good.status, body: await good.text() };
  // NODE_TLS_REJECT_UNAUTHORIZED=0 is in this process's environment: it has no effect here.
  out.selfSigned = await fetch(url('self_signed')).then((r) => ({ status: r.status }), failure);
  out.undiciExpired = await request(url('expired')).then((r) => ({ status: r.statusCode }), (e) => ({ name: e.name, code: e.code, message: e.message }));
  const r = await request(url('good'));
  out.undiciGood = { status: r.statusCode, body: await r.body.text() };
  process.stdout.write(JSON.stringify(out));
})().catch((e) => {
  process.stdout.write(JSON.stringify({ crashed: String(e && e.stack) }));
});
