// The Node clients of the tlsguard benchmarks. The contract (arguments, the one JSON line on
// stdout, exit codes, what the timer covers) is bench/README.md; how each peer is set up follows
// the "Clients" table of the peer baseline (research/peer-performance.md). This file is the
// definition of what is measured for Node: read it as such.
//
//   node bench/node/client.mjs --client NAME --workload W --n N --url https://127.0.0.1:PORT \
//        --ca ROOT.pem [--concurrency C] [--http2] [--leaf LEAF.pem --chain INTER.pem --host H]
//
// HTTP clients (W1, W2, W3, W4; M1 for the tlsguard ones):
//   tlsguard        one tlsguard `Client`, `client.fetch()` + `res.arrayBuffer()` (S1:
//                   `client.stream()`, its `res.body` chunks counted)
//   tlsguard-fetch  tlsguard's standalone `fetch(url, { trust... })`: a client made per call
//   fetch           Node's global fetch (its bundled undici); the root via NODE_EXTRA_CA_CERTS
//   https           node:https `https.request` with an `https.Agent({ keepAlive, ca })`
//   undici          npm undici 7 `request()` with an `Agent({ connect: { ca } })`
// Certificate clients (C1-parse, C1-verify):
//   tlsguard        `Certificate.fromPem`, a prepared `Verifier`'s `verify`
//   x509            node:crypto `X509Certificate` (C1-verify: see verifyX509 below)
//
// Exit codes: 0 measured, 1 any failure including bad arguments (message on stderr), 3 workload
// not supported by this client. Each client's module is imported only when that client is chosen.

import { readFileSync, realpathSync } from 'node:fs';
import { parseArgs } from 'node:util';

const HTTP_CLIENTS = ['tlsguard', 'tlsguard-fetch', 'fetch', 'https', 'undici'];
const CERT_CLIENTS = ['tlsguard', 'x509'];
const HTTP_WORKLOADS = ['W1', 'W2', 'W3', 'W4', 'M1', 'S1'];
// S1 (a streamed download, counted chunk by chunk, never held whole): the clients with a
// streaming API (tlsguard: `client.stream()`).
const STREAMING = ['tlsguard', 'tlsguard-fetch', 'fetch', 'https', 'undici'];
const CERT_WORKLOADS = ['C1-parse', 'C1-verify'];

// The files nginx serves and their sizes: every body is checked against them.
const SMALL = { path: '/1k', size: 1024 };
const BULK = { path: '/10m', size: 10 * 1024 * 1024 };
const STREAMED = { path: '/256m', size: 256 * 1024 * 1024 };

/** M1 takes its first RSS sample after this many requests. */
const M1_WARMUP = 1000;

class Unsupported extends Error {}

function parse(argv) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      client: { type: 'string' },
      workload: { type: 'string' },
      n: { type: 'string' },
      url: { type: 'string' },
      ca: { type: 'string' },
      concurrency: { type: 'string', default: '32' },
      http2: { type: 'boolean', default: false },
      leaf: { type: 'string' },
      chain: { type: 'string' },
      host: { type: 'string', default: 'localhost' },
    },
  });
  for (const k of ['client', 'workload', 'n']) if (values[k] === undefined) throw new Error(`--${k} is required`);
  const n = Number(values.n);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--n must be a positive integer, not ${values.n}`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('--concurrency must be a positive integer');
  return { ...values, n, concurrency };
}

function now() {
  return process.hrtime.bigint();
}

function seconds(start, end) {
  return Number(end - start) / 1e9;
}

function rssKib() {
  return Math.round(process.memoryUsage().rss / 1024);
}

// ------------------------------------------------------------------ HTTP clients
//
// Each factory builds its client object (trust loaded) and returns
//   { get(url) -> Promise<{ status, length, http? }>, close() }
// where `get` has read the whole body into memory and `length` is its size in bytes.
// `w2` is true for the handshake workload (a new TCP + TLS connection per request, the client
// object reused); `w4` is true for the concurrent one (`concurrency` requests in flight).

/**
 * tlsguard's trust and environment for every tlsguard client: the root only (`roots: 'none'` +
 * the file), SSL_CERT_FILE/SSL_CERT_DIR ignored (this machine sets them to the system bundle,
 * which would add ~140 roots) and proxy variables ignored, so the runs are hermetic.
 */
function tlsguardOptions(args) {
  return { roots: 'none', caFile: args.ca, useEnv: false, proxy: '', http2: args.http2 };
}

async function tlsguardResult(res) {
  // arrayBuffer(), as with fetch. (res.buffer() would return the body without a copy.)
  const body = await res.arrayBuffer();
  return { status: res.status, length: body.byteLength, http: res.httpVersion };
}

const httpClients = {
  /** One Client: one TLS config, one pool, shared by all W4 workers. */
  async tlsguard(args, { w2, s1 }) {
    const tg = await import('tlsguard');
    // W2: keepAlive off, a new TCP + TLS connection per request.
    // S1: a body over the 100 MiB default cap of a body, allowed.
    const client = new tg.Client({ ...tlsguardOptions(args), keepAlive: !w2, ...(s1 ? { maxResponseBytes: 2 ** 40 } : {}) });
    return {
      get: async (url) => {
        if (s1) {
          const res = await client.stream(url);
          let length = 0;
          for await (const chunk of res.body) length += chunk.byteLength;
          return { status: res.status, length, http: res.httpVersion };
        }
        return tlsguardResult(await client.fetch(url));
      },
      close: () => client.close(),
    };
  },

  /**
   * The README's one-off fetch, with the trust passed per call (W2: `connection: close`, as the
   * global fetch row does; keepAlive is a Client option, not a fetch init key).
   */
  async 'tlsguard-fetch'(args, { w2, s1 }) {
    const tg = await import('tlsguard');
    const init = { ...tlsguardOptions(args), ...(w2 ? { headers: { connection: 'close' } } : {}), ...(s1 ? { maxResponseBytes: 2 ** 40 } : {}) };
    return {
      get: async (url) => {
        if (s1) {
          const res = await tg.fetch(url, init);
          let length = 0;
          for await (const chunk of res.body) length += chunk.byteLength;
          return { status: res.status, length, http: res.httpVersion };
        }
        return tlsguardResult(await tg.fetch(url, init));
      },
      close: () => {},
    };
  },

  /** Global fetch with its default dispatcher; the root comes from NODE_EXTRA_CA_CERTS. */
  async fetch(args, { w2, s1 }) {
    const extra = process.env.NODE_EXTRA_CA_CERTS;
    if (!extra || !samePath(extra, args.ca)) {
      throw new Error(
        `the fetch client trusts the root through NODE_EXTRA_CA_CERTS, read at start-up: run it with ` +
          `NODE_EXTRA_CA_CERTS=${args.ca} (it is ${extra === undefined ? 'unset' : JSON.stringify(extra)})`,
      );
    }
    const init = w2 ? { headers: { connection: 'close' } } : undefined;
    return {
      get: async (url) => {
        const res = await fetch(url, init);
        if (s1) {
          let length = 0;
          for await (const chunk of res.body) length += chunk.byteLength;
          return { status: res.status, length };
        }
        const body = await res.arrayBuffer();
        return { status: res.status, length: body.byteLength }; // fetch does not tell the version
      },
      close: () => {},
    };
  },

  /** https.request through one Agent: keepAlive (off for W2), the root as `ca`, 32 sockets for W4. */
  async https(args, { w2, w4, s1 }) {
    const https = await import('node:https');
    const agent = new https.Agent({
      keepAlive: !w2,
      ca: readFileSync(args.ca),
      ...(w4 ? { maxSockets: args.concurrency } : {}),
    });
    const get = (url) =>
      new Promise((resolve, reject) => {
        const req = https.request(url, { agent }, (res) => {
          const chunks = [];
          let streamed = 0;
          res.on('data', (c) => (s1 ? (streamed += c.length) : chunks.push(c)));
          res.on('end', () => {
            // The body in one Buffer, like the others (S1: counted as it streamed).
            const length = s1 ? streamed : Buffer.concat(chunks).length;
            resolve({ status: res.statusCode, length, http: `HTTP/${res.httpVersion}` });
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
    return { get, close: () => agent.destroy() };
  },

  /** undici.request through one Agent: the root as `connect.ca`, `reset` for W2, 32 connections for W4. */
  async undici(args, { w2, w4, s1 }) {
    const { Agent, request } = await import('undici');
    const agent = new Agent({
      connect: { ca: readFileSync(args.ca) },
      ...(w4 ? { connections: args.concurrency } : {}),
    });
    const opts = { dispatcher: agent, ...(w2 ? { reset: true } : {}) };
    return {
      get: async (url) => {
        const { statusCode, body } = await request(url, opts);
        if (s1) {
          let length = 0;
          for await (const chunk of body) length += chunk.length;
          return { status: statusCode, length };
        }
        const buf = await body.arrayBuffer();
        return { status: statusCode, length: buf.byteLength }; // request() does not tell the version
      },
      close: () => agent.close(),
    };
  },
};

function samePath(a, b) {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

function check(r, expected, i) {
  if (r.status !== 200) throw new Error(`request ${i}: status ${r.status}, expected 200`);
  if (r.length !== expected) throw new Error(`request ${i}: body of ${r.length} bytes, expected ${expected}`);
}

async function runHttp(args) {
  const { client: name, workload } = args;
  if (!HTTP_WORKLOADS.includes(workload)) throw new Unsupported(`${name} does not run ${workload}`);
  if (workload === 'M1' && !name.startsWith('tlsguard')) throw new Unsupported(`M1 is for tlsguard clients only, not ${name}`);
  if (workload === 'S1' && !STREAMING.includes(name)) throw new Unsupported(`${name} does not stream bodies (S1) yet`);
  if (!args.url || !args.ca) throw new Error('--url and --ca are required for HTTP workloads');

  const file = workload === 'W3' ? BULK : workload === 'S1' ? STREAMED : SMALL;
  const url = args.url.replace(/\/+$/, '') + file.path;
  const w2 = workload === 'W2';
  const w4 = workload === 'W4';
  const s1 = workload === 'S1';
  const client = await httpClients[name](args, { w2, w4, s1 });

  // The timer: after the client object is built, before the first request, until the last body.
  let bytes = 0;
  let http;
  let rssStart;
  const start = now();
  if (w4) {
    // `concurrency` async workers take request numbers from one shared counter.
    let next = 0;
    const worker = async () => {
      while (next < args.n) {
        const i = next++;
        const r = await client.get(url);
        check(r, file.size, i);
        bytes += r.length;
        http = r.http;
      }
    };
    await Promise.all(Array.from({ length: Math.min(args.concurrency, args.n) }, worker));
  } else {
    // W1, W2, W3, M1: sequential requests.
    for (let i = 0; i < args.n; i++) {
      const r = await client.get(url);
      check(r, file.size, i);
      bytes += r.length;
      http = r.http;
      if (i + 1 === M1_WARMUP && workload === 'M1') rssStart = rssKib();
    }
  }
  const end = now();

  const out = { ops: args.n, seconds: seconds(start, end), bytes };
  if (http !== undefined) out.http = http;
  if (workload === 'M1') {
    out.rss_start_kib = rssStart ?? rssKib(); // N < 1000: both samples at the end
    out.rss_end_kib = rssKib();
  }
  await client.close();
  return out;
}

// ------------------------------------------------------------------ certificates

/**
 * C1-verify for node:crypto, which has no chain verifier: the checks a path validator does for
 * this chain, assembled from X509Certificate primitives. Per call: the validity period of leaf and
 * intermediate, basic constraints (leaf not a CA, intermediate a CA), the leaf's EKU allows
 * serverAuth, `checkIssued` for both links (OpenSSL's X509_check_issued: issuer/subject names,
 * AKI/SKI, the issuer's keyCertSign), both signatures (`verify`, ECDSA P-256, like webpki's two
 * verifications) and `checkHost`. Not done: path building, name constraints, policies, unknown
 * critical extensions, path length. The chain is parsed once before timing (OpenSSL 3.0 parsing
 * costs ~130 µs a certificate), while tlsguard's verifyChain parses its PEM input on every call:
 * both differences favour x509.
 */
function verifyX509(leaf, inter, rootKey, root, host) {
  const t = Date.now();
  for (const c of [leaf, inter]) {
    if (t < Date.parse(c.validFrom) || t > Date.parse(c.validTo)) return 'outside the validity period';
  }
  if (leaf.ca) return 'the leaf is a CA';
  if (!inter.ca) return 'the intermediate is not a CA';
  if (leaf.keyUsage !== undefined && !leaf.keyUsage.includes('1.3.6.1.5.5.7.3.1')) return 'no serverAuth EKU';
  if (!leaf.checkIssued(inter) || !inter.checkIssued(root)) return 'issuer mismatch';
  if (!leaf.verify(inter.publicKey) || !inter.verify(rootKey)) return 'bad signature';
  if (leaf.checkHost(host) === undefined) return `not valid for ${host}`;
  return null;
}

async function certOps(args) {
  const { client: name, workload } = args;
  const leafPem = readFileSync(args.leaf, 'utf8');
  const interPem = readFileSync(args.chain, 'utf8');
  const rootPem = args.ca ? readFileSync(args.ca, 'utf8') : undefined;
  if (workload === 'C1-verify' && !rootPem) throw new Error('--ca is required for C1-verify');

  // Each entry: { op() -> result, ok(result) -> error string or null }; op runs N times.
  if (name === 'tlsguard') {
    const tg = await import('tlsguard');
    if (workload === 'C1-parse') {
      const expect = tg.Certificate.fromPem(leafPem).fingerprintSha256;
      return { op: () => tg.Certificate.fromPem(leafPem), ok: (c) => (c.fingerprintSha256 === expect ? null : 'wrong certificate') };
    }
    // The chain as PEM text (leaf + intermediate), the form the README shows; a prepared
    // Verifier (the root loaded once), as pyca's build_server_verifier.
    const chain = leafPem + interPem;
    const verifier = new tg.Verifier({ roots: 'none', caPem: rootPem, useEnv: false });
    return {
      op: () => verifier.verify(chain, args.host),
      ok: (r) => (r.ok ? null : `${r.error.code}: ${r.error.message}`),
    };
  }
  const { X509Certificate } = await import('node:crypto');
  if (workload === 'C1-parse') {
    const expect = new X509Certificate(leafPem).fingerprint256;
    return { op: () => new X509Certificate(leafPem), ok: (c) => (c.fingerprint256 === expect ? null : 'wrong certificate') };
  }
  const root = new X509Certificate(rootPem);
  const rootKey = root.publicKey; // the trust anchor, prepared once
  const leaf = new X509Certificate(leafPem);
  const inter = new X509Certificate(interPem);
  return { op: () => verifyX509(leaf, inter, rootKey, root, args.host), ok: (err) => err };
}

async function runCert(args) {
  if (!CERT_WORKLOADS.includes(args.workload)) throw new Unsupported(`${args.client} does not run ${args.workload}`);
  if (!args.leaf || !args.chain) throw new Error('--leaf and --chain are required for certificate workloads');
  const { op, ok } = await certOps(args);
  const first = ok(op()); // must succeed once before timing
  if (first !== null) throw new Error(`${args.workload} fails before timing: ${first}`);

  let last;
  const start = now();
  for (let i = 0; i < args.n; i++) last = op();
  const end = now();
  const err = ok(last); // and the last result is checked too (it also keeps `last` alive)
  if (err !== null) throw new Error(`${args.workload}: last result wrong: ${err}`);
  return { ops: args.n, seconds: seconds(start, end), bytes: 0 };
}

// ------------------------------------------------------------------ main

async function main() {
  let args = {};
  try {
    args = parse(process.argv.slice(2));
    const cert = CERT_WORKLOADS.includes(args.workload);
    if (!HTTP_CLIENTS.includes(args.client) && !CERT_CLIENTS.includes(args.client)) {
      throw new Error(`unknown client ${args.client} (HTTP: ${HTTP_CLIENTS.join(', ')}; certificates: ${CERT_CLIENTS.join(', ')})`);
    }
    if (!HTTP_WORKLOADS.includes(args.workload) && !cert) throw new Error(`unknown workload ${args.workload}`);
    if (!(cert ? CERT_CLIENTS : HTTP_CLIENTS).includes(args.client)) throw new Unsupported(`${args.client} does not run ${args.workload}`);
    const out = cert ? await runCert(args) : await runHttp(args);
    process.stdout.write(JSON.stringify(out) + '\n');
    return 0;
  } catch (e) {
    if (e instanceof Unsupported) {
      process.stderr.write(`client.mjs: not supported: ${e.message}\n`);
      return 3;
    }
    const code = e && e.code ? ` [${e.code}]` : '';
    const cause = e && e.cause ? ` (cause: ${e.cause.code || ''} ${e.cause.message || e.cause})` : '';
    const what = args.client ? `${args.client} ${args.workload} failed` : 'bad arguments';
    process.stderr.write(`client.mjs: ${what}${code}: ${e && e.message}${cause}\n`);
    if (e && e.hint) process.stderr.write(`hint: ${e.hint}\n`);
    return 1;
  }
}

// Exit explicitly: pooled keep-alive sockets (and the fetch dispatcher) would keep the loop alive.
// stdout is a pipe or a file here, which Node writes synchronously, so nothing is lost.
process.exit(await main());
