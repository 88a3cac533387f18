'use strict';
// HttpsAgent, the https.Agent: https.get/https.request and axios over connections made and
// verified by tlsguard; per-request TLS options refused; NODE_TLS_REJECT_UNAUTHORIZED without
// effect; the kit's scenarios through https.get.
const test = require('node:test');
const assert = require('node:assert/strict');
const https = require('node:https');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { promisify } = require('node:util');
const axios = require('axios');
const { HttpsAgent, TlsGuardError, Certificate } = require('..');
const { startKit, jsOptions } = require('./kit.js');

let kit;
let trust;
test.before(async () => {
  kit = await startKit();
  trust = { roots: 'none', caFile: kit.manifest.pki.root_ca };
});
test.after(() => kit && kit.stop());

const good = (p) => `${kit.manifest.servers.good}${p}`;
const urlOf = (name) => kit.manifest.scenarios.find((s) => s.name === name).url;

/** One https.request: resolves { res, body } (body read up to `limit` bytes), rejects with the request's error. */
function get(url, options = {}, { body, limit = 16 << 20, timeout = 0 } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, options, (res) => {
      const chunks = [];
      let n = 0;
      res.on('data', (c) => {
        n += c.length;
        if (n > limit) {
          res.destroy();
          resolve({ res, body: '', cut: true });
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => resolve({ res, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    // The library's deadline (here the test's): the whole exchange.
    if (timeout) {
      const timer = setTimeout(() => req.destroy(Object.assign(new Error("the test's deadline"), { code: 'TEST_TIMEOUT' })), timeout);
      req.on('close', () => clearTimeout(timer));
    }
    if (body !== undefined) req.write(body);
    req.end();
  });
}

test('https.get through the agent: a good server answers, the socket says what TLS is in use', async () => {
  const agent = new HttpsAgent(trust);
  try {
    const { res, body } = await get(good('/'), { agent });
    assert.equal(res.statusCode, 200);
    assert.equal(body, 'hello from tlsguard-testkit\n');
    const s = res.socket;
    assert.equal(s.encrypted, true);
    assert.equal(s.authorized, true);
    assert.equal(s.alpnProtocol, 'http/1.1');
    assert.match(s.getProtocol(), /^TLSv1\.[23]$/);
    const peer = s.getPeerCertificate(true);
    assert.equal(peer.subject.CN, 'localhost');
    assert.ok(Buffer.isBuffer(peer.raw));
    assert.ok(peer.issuerCertificate && peer.issuerCertificate.subject.CN);
    assert.ok(s.peerCertificates[0] instanceof Certificate);
    // A POST with a body, over the same agent.
    const echo = await get(good('/echo'), { agent, method: 'POST', headers: { 'x-tlsguard-test': 'yes' } }, { body: 'ping=1' });
    assert.ok(echo.body.includes('ping=1'));
  } finally {
    agent.destroy();
  }
});

test('a refused handshake is the request\'s error, with tlsguard\'s code', async () => {
  const agent = new HttpsAgent(trust);
  try {
    const err = await get(urlOf('expired'), { agent }).then(() => assert.fail('refused'), (e) => e);
    assert.ok(err instanceof TlsGuardError, err.stack);
    assert.equal(err.code, 'CERT_EXPIRED');
    assert.ok(err.hint.length > 0);
    assert.equal(err.chain.length, 2);
  } finally {
    agent.destroy();
  }
});

test('keepAlive: one verified connection carries several requests', async () => {
  const agent = new HttpsAgent({ ...trust, keepAlive: true });
  try {
    const a = await get(good('/conn'), { agent });
    const b = await get(good('/conn'), { agent });
    assert.equal(a.res.statusCode, 200);
    assert.equal(a.body, b.body, 'the same connection');
  } finally {
    agent.destroy();
  }
});

test('per-request TLS options that would weaken it are refused, pointing at the agent\'s options', async () => {
  const agent = new HttpsAgent(trust);
  try {
    for (const [opt, value, hint] of [
      ['rejectUnauthorized', false, /always on/],
      ['ca', 'PEM', /caFile or caPem/],
      ['cert', 'PEM', /clientCert/],
      ['key', 'PEM', /clientCert/],
    ]) {
      const err = await get(good('/'), { agent, [opt]: value }).then(() => assert.fail(opt), (e) => e);
      assert.equal(err.code, 'INVALID_ARGUMENT', opt);
      assert.ok(err.message.includes(opt), err.message);
      assert.match(err.hint, hint);
    }
    // rejectUnauthorized: true is what the agent does anyway.
    assert.equal((await get(good('/'), { agent, rejectUnauthorized: true })).res.statusCode, 200);
  } finally {
    agent.destroy();
  }
  // Options of the HTTP exchange are the library's, not the agent's.
  assert.throws(() => new HttpsAgent({ ...trust, maxResponseBytes: 10 }), { code: 'INVALID_ARGUMENT', message: /maxResponseBytes/ });
  assert.throws(() => new HttpsAgent({ ...trust, rejectUnauthorized: false }), { code: 'INVALID_ARGUMENT' });
});

test('NODE_TLS_REJECT_UNAUTHORIZED=0 has no effect; https.globalAgent = new HttpsAgent() is the one line', async () => {
  const script = `
    const https = require('node:https');
    const { HttpsAgent } = require(${JSON.stringify(path.join(__dirname, '..'))});
    https.globalAgent = new HttpsAgent({ roots: 'none', caFile: process.argv[1] });
    const out = {};
    const go = (u) => new Promise((resolve) => https.get(u, (res) => { res.resume(); res.on('end', () => resolve({ status: res.statusCode })); })
      .on('error', (e) => resolve({ code: e.code })));
    (async () => {
      out.selfSigned = await go(process.argv[2]);
      out.good = await go(process.argv[3]);
      https.globalAgent.destroy();
      process.stdout.write(JSON.stringify(out));
    })();`;
  const env = { ...process.env, NODE_TLS_REJECT_UNAUTHORIZED: '0' };
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, kit.manifest.pki.root_ca, urlOf('self_signed'), good('/')], { env });
  assert.deepEqual(JSON.parse(stdout), { selfSigned: { code: 'CERT_SELF_SIGNED' }, good: { status: 200 } });
});

test('keepAlive: an idle pooled socket does not keep the process alive (unref, as net.Socket)', async () => {
  const script = `
    const https = require('node:https');
    const { HttpsAgent } = require(${JSON.stringify(path.join(__dirname, '..'))});
    const agent = new HttpsAgent({ roots: 'none', caFile: process.argv[1], keepAlive: true });
    https.get(process.argv[2], { agent }, (res) => {
      res.resume();
      res.on('end', () => setImmediate(() => process.stdout.write(String(Object.keys(agent.freeSockets).length))));
    });`;
  const started = Date.now();
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, kit.manifest.pki.root_ca, good('/')], { timeout: 20_000 });
  assert.equal(stdout, '1', 'the socket went back to the pool');
  assert.ok(Date.now() - started < 5000, `the process lingered ${Date.now() - started} ms`);
});

test('axios with httpsAgent: refuses and accepts as tlsguard says', async () => {
  const httpsAgent = new HttpsAgent(trust);
  try {
    const ok = await axios.get(good('/json'), { httpsAgent });
    assert.equal(ok.status, 200);
    assert.equal(ok.data.hello, 'world');
    const err = await axios.get(urlOf('wrong_host'), { httpsAgent }).then(() => assert.fail('refused'), (e) => e);
    assert.ok(err.cause instanceof TlsGuardError, String(err));
    assert.equal(err.cause.code, 'CERT_HOSTNAME_MISMATCH');
    assert.equal(err.code, 'CERT_HOSTNAME_MISMATCH');
  } finally {
    httpsAgent.destroy();
  }
});

// ---------------------------------------------------------------- the kit's scenarios

// Client options of a scenario that are about the HTTP exchange: under https.request that is
// Node's (or the library's), so the agent refuses them; the scenario runs without them.
const EXCHANGE = ['timeout', 'readTimeout', 'maxResponseBytes', 'maxRedirects', 'http2', 'allowHttp'];

// What Node's HTTP client does where the exchange, not the connection, is what a scenario
// tests (see manual/security.md): deliberate differences.
const UNDER_HTTPS = {
  good_h2: { status: 200 }, // HTTP/1.1: the agent offers only http/1.1
  gzip: { status: 200, raw: true }, // Node does not decode: the body is the server's bytes
  deflate: { status: 200, raw: true },
  br: { status: 200, raw: true },
  gzip_bomb: { status: 200, raw: true },
  huge: { status: 200, raw: true }, // no cap: axios' maxContentLength is the library's
  redirect_to_http: { status: 302 }, // https.get follows no redirect (axios would, via http.globalAgent)
  redirect_loop: { status: 302 },
  redirect_limit: { status: 302 },
  redirect_ok: { status: 302 },
  slow: { nodeError: 'TEST_TIMEOUT' }, // the library's timeout (here the test's 3 s)
  slow_body: { nodeError: 'TEST_TIMEOUT' },
  insecure_url: { nodeError: 'ERR_INVALID_PROTOCOL' }, // https.get takes https: only
  allow_http: { nodeError: 'ERR_INVALID_PROTOCOL' },
  hostile_ce_chain: { nodeError: 'HPE_HEADER_OVERFLOW' }, // Node's parser: 16 KiB of headers
  hostile_te_chain: { status: 200, raw: true }, // llhttp takes the final chunked and leaves the codings to the library
  hostile_gzip_bomb: { status: 200, raw: true },
  hostile_deflate_bomb: { status: 200, raw: true },
  hostile_br_bomb: { status: 200, raw: true },
  hostile_many_headers: { nodeError: 'HPE_HEADER_OVERFLOW' },
  hostile_big_header: { nodeError: 'HPE_HEADER_OVERFLOW' },
  hostile_endless_trailers: { nodeError: 'HPE_HEADER_OVERFLOW' },
  hostile_too_long: { nodeError: 'HPE_INVALID_CONSTANT' }, // the bytes past Content-Length parsed as a next response
  hostile_drip: { nodeError: 'TEST_TIMEOUT' },
  // HTTP/2-only servers: the agent offers only http/1.1, which they refuse in the handshake.
  hostile_h2_continuation: { code: 'TLS_HANDSHAKE', message_contains: ['NoApplicationProtocol'] },
  hostile_h2_reset: { code: 'TLS_HANDSHAKE', message_contains: ['NoApplicationProtocol'] },
};

test('the kit scenarios through https.get with an HttpsAgent', async (t) => {
  for (const sc of kit.manifest.scenarios) {
    await t.test(sc.name, async () => {
      const opts = jsOptions(sc.options);
      for (const k of EXCHANGE) delete opts[k];
      const agent = new HttpsAgent(opts);
      try {
        const want = { ...sc.expect, ...UNDER_HTTPS[sc.name] };
        const body = sc.request.body === undefined ? undefined : sc.request.body;
        const outcome = await new Promise((resolve) => {
          let options;
          try {
            options = { agent, method: sc.method || 'GET', headers: sc.request.headers || {} };
            get(sc.url, options, { body, timeout: 3000 }).then(resolve, (err) => resolve({ err }));
          } catch (err) {
            resolve({ err });
          }
        });
        if (want.nodeError !== undefined) {
          assert.ok(outcome.err, `${sc.name}: expected an error, got ${outcome.res && outcome.res.statusCode}`);
          assert.ok(String(outcome.err.code).startsWith(want.nodeError), `${sc.name}: ${outcome.err.code} ${outcome.err.message}`);
          return;
        }
        if (want.code && (!UNDER_HTTPS[sc.name] || UNDER_HTTPS[sc.name].code)) {
          assert.ok(outcome.err, `${sc.name}: expected ${want.code}, got ${outcome.res && outcome.res.statusCode}`);
          assert.ok(outcome.err instanceof TlsGuardError, `${sc.name}: ${outcome.err.stack}`);
          assert.equal(outcome.err.code, want.code, `${sc.name}: ${outcome.err.message}`);
          for (const fact of want.message_contains) assert.ok(outcome.err.message.includes(fact), `${sc.name}: ${fact}`);
          return;
        }
        assert.equal(outcome.err, undefined, `${sc.name}: ${outcome.err && outcome.err.code} ${outcome.err && outcome.err.message}`);
        if (want.status != null) assert.equal(outcome.res.statusCode, want.status, sc.name);
        if (!want.raw && !UNDER_HTTPS[sc.name]) for (const s of want.body_contains) assert.ok(outcome.body.includes(s), `${sc.name}: ${s}`);
        if (want.tls_version) assert.equal(outcome.res.socket.getProtocol(), want.tls_version);
      } finally {
        agent.destroy();
      }
    });
  }
});
