'use strict';
// The differential matrix: the same requests through Node's global fetch (in a child process
// trusting the kit's root by NODE_EXTRA_CA_CERTS, see child.js) and through tlsguard's fetch,
// each summarized the same way (status, headers in their sorted iteration order, body bytes,
// url, redirected, type, error class). Bodies are built from descriptions in each process.
const crypto = require('node:crypto');

/** Every case: `{ name, url, init, request? (fetch(new Request(url, init))), echo? }`. */
function cases(kit) {
  const good = kit.servers.good;
  const ip = kit.servers.good_ip || good.replace('localhost', '127.0.0.1');
  const pattern = { kind: 'bytes', n: 1000 };
  const list = [
    { name: 'GET /', url: `${good}/` },
    { name: 'GET /json', url: `${good}/json` },
    { name: 'HEAD /', url: `${good}/`, init: { method: 'HEAD' } },
    { name: 'HEAD /json (lowercase method)', url: `${good}/json`, init: { method: 'head' } },
    { name: 'GET 204', url: `${good}/status/204` },
    { name: 'GET 304', url: `${good}/status/304` },
    { name: 'GET 404', url: `${good}/status/404` },
    { name: 'GET 503', url: `${good}/status/503` },
    { name: 'set-cookie and repeated headers', url: `${good}/headers` },
    { name: 'gzip', url: `${good}/gzip` },
    { name: 'br', url: `${good}/br` },
    { name: 'deflate', url: `${good}/deflate` },
    { name: 'chunked', url: `${good}/chunked` },
    { name: 'stream 300000 bytes', url: `${good}/stream?bytes=300000&chunk=7000` },
    { name: 'fragment and query', url: `${good}/echo?a=1&b=%20#frag`, echo: true },
    { name: 'URL object', url: `${good}/echo`, urlObject: true, echo: true },
    { name: 'POST text', url: `${good}/echo`, init: { method: 'POST', body: { kind: 'text', value: 'h\u00e9llo' } }, echo: true },
    { name: 'POST text, own content-type', url: `${good}/echo`, init: { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: { kind: 'text', value: '{"a":1}' } }, echo: true },
    { name: 'post (lowercase) bytes', url: `${good}/upload`, init: { method: 'post', body: pattern } },
    { name: 'PUT ArrayBuffer', url: `${good}/upload`, init: { method: 'PUT', body: { kind: 'arraybuffer', n: 5000 } } },
    { name: 'PATCH URLSearchParams', url: `${good}/echo`, init: { method: 'PATCH', body: { kind: 'params', pairs: [['a', '1'], ['b', 'x&y z'], ['a', '2']] } }, echo: true },
    { name: 'DELETE with a body', url: `${good}/echo`, init: { method: 'DELETE', body: { kind: 'text', value: 'gone' } }, echo: true },
    { name: 'OPTIONS', url: `${good}/echo`, init: { method: 'OPTIONS' }, echo: true },
    { name: 'empty text body', url: `${good}/echo`, init: { method: 'POST', body: { kind: 'text', value: '' } }, echo: true },
    { name: 'repeated request headers', url: `${good}/echo`, init: { headers: [['X-A', '1'], ['x-b', '2'], ['x-a', '3']] }, echo: true },
    { name: 'Headers object', url: `${good}/echo`, init: { headers: { kind: 'headers', pairs: [['x-h', 'v'], ['accept', 'text/plain']] } }, echo: true },
    { name: 'Request with a POST body', url: `${good}/echo`, request: true, init: { method: 'POST', headers: { 'x-r': '1' }, body: { kind: 'text', value: 'from a Request' } }, echo: true },
    { name: 'Request with bytes, init overrides the method', url: `${good}/upload`, request: true, init: { method: 'POST', body: pattern }, override: { method: 'PUT' } },
    { name: 'Request GET', url: `${good}/json`, request: true },
    { name: 'redirect follow', url: `${good}/redirect/3`, echo: true },
    { name: 'redirect manual', url: `${good}/redirect/3`, init: { redirect: 'manual' } },
    { name: 'redirect error', url: `${good}/redirect/3`, init: { redirect: 'error' } },
    { name: 'redirect error, no redirect', url: `${good}/json`, init: { redirect: 'error' } },
    { name: '303 turns POST into GET', url: `${good}/redirect/303`, init: { method: 'POST', body: { kind: 'text', value: 'x' } }, echo: true },
    { name: '302 turns POST into GET', url: `${good}/redirect/1`, init: { method: 'POST', body: { kind: 'text', value: 'x' } }, echo: true },
    { name: '307 resends the body', url: `${good}/redirect/307-upload`, init: { method: 'POST', body: { kind: 'text', value: 'again' } } },
    { name: '307 resends a bytes body', url: `${good}/redirect/307-upload`, init: { method: 'POST', body: pattern } },
    { name: 'cross-origin redirect to repeated headers', url: `${good}/redirect-to?url=${encodeURIComponent(`${ip}/headers`)}` },
    { name: 'Request with redirect manual', url: `${good}/redirect/1`, request: true, init: { redirect: 'manual' } },
    { name: 'cross-origin redirect', url: `${good}/redirect/cross-origin`, echo: true },
    { name: 'by IP address', url: `${ip}/json` },
    { name: 'expired certificate', url: `${kit.servers.expired}/` },
    { name: 'wrong host', url: `${kit.servers.wrong_host}/` },
    { name: 'connection refused', url: 'https://127.0.0.1:1/' },
    { name: 'invalid URL', url: 'not a url' },
    { name: 'credentials in the URL', url: good.replace('https://', 'https://user:pw@') + '/' },
    { name: 'GET with a body', url: `${good}/echo`, init: { body: { kind: 'text', value: 'x' } } },
    { name: 'CONNECT', url: `${good}/echo`, init: { method: 'CONNECT' } },
    { name: 'Blob with a type', url: `${good}/echo`, init: { method: 'POST', body: { kind: 'blob', value: 'blob text', type: 'application/x-test' } }, echo: true },
    { name: 'Blob without a type', url: `${good}/upload`, init: { method: 'POST', body: { kind: 'blobBytes', n: 3000 } }, upload: true },
    { name: 'FormData with fields and files', url: `${good}/upload`, init: { method: 'POST', body: { kind: 'form' } }, upload: true },
    { name: 'ReadableStream, duplex half', url: `${good}/upload`, init: { method: 'POST', body: { kind: 'stream', n: 200000 }, duplex: 'half' }, upload: true },
    { name: 'async generator, duplex half', url: `${good}/upload`, init: { method: 'PUT', body: { kind: 'generator', n: 70000 }, duplex: 'half' }, upload: true },
    { name: 'Node Readable, duplex half', url: `${good}/upload`, init: { method: 'POST', body: { kind: 'readable', n: 50000 }, duplex: 'half' }, upload: true },
    { name: 'ReadableStream without duplex', url: `${good}/upload`, init: { method: 'POST', body: { kind: 'stream', n: 10 } } },
    { name: 'duplex full', url: `${good}/upload`, init: { method: 'POST', body: { kind: 'stream', n: 10 }, duplex: 'full' } },
    { name: 'Request with a ReadableStream body', url: `${good}/upload`, request: true, init: { method: 'POST', body: { kind: 'stream', n: 100000 }, duplex: 'half' }, upload: true },
    { name: 'cache no-store', url: `${good}/echo`, init: { cache: 'no-store' }, echo: true },
    { name: 'cache reload, own cache-control', url: `${good}/echo`, init: { cache: 'reload', headers: { 'cache-control': 'max-age=5' } }, echo: true },
    { name: 'cache no-cache', url: `${good}/echo`, init: { cache: 'no-cache' }, echo: true },
    { name: 'cache force-cache', url: `${good}/echo`, init: { cache: 'force-cache' }, echo: true },
    { name: 'cache only-if-cached', url: `${good}/echo`, init: { cache: 'only-if-cached' } },
    { name: 'referrer from another origin', url: `${good}/echo`, init: { referrer: 'https://example.com/page?q=1#f' }, echo: true },
    { name: 'referrer same origin, unsafe-url', url: `${good}/echo`, init: { referrer: `${good}/from?x=1`, referrerPolicy: 'unsafe-url' }, echo: true },
    { name: 'referrer same origin, default policy', url: `${good}/echo`, init: { referrer: `${good}/from?x=1` }, echo: true },
    { name: 'referrer, no-referrer', url: `${good}/echo`, init: { referrer: 'https://example.com/', referrerPolicy: 'no-referrer' }, echo: true },
    { name: 'referrer not a URL', url: `${good}/echo`, init: { referrer: '::bad' } },
    { name: 'keepalive, priority, credentials, mode, window', url: `${good}/echo`, init: { keepalive: true, priority: 'high', credentials: 'omit', mode: 'same-origin', window: null }, echo: true },
    { name: 'mode navigate', url: `${good}/echo`, init: { mode: 'navigate' } },
    { name: 'integrity that matches', url: `${good}/json`, init: { integrity: { kind: 'sri', of: '{"hello":"world","n":1}' } } },
    { name: 'integrity that does not match', url: `${good}/json`, init: { integrity: 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' } },
    { name: 'integrity with an unknown algorithm only', url: `${good}/json`, init: { integrity: 'md5-abc' } },
    { name: 'AbortSignal.any', url: `${good}/slow`, init: { signal: { kind: 'any', ms: 150 } } },
    { name: 'already aborted', url: `${good}/`, init: { signal: { kind: 'aborted' } } },
    { name: 'AbortSignal.timeout', url: `${good}/slow`, init: { signal: { kind: 'timeout', ms: 150 } } },
  ];
  return list;
}

/** A body, header set or signal from its description. */
function value(desc) {
  if (desc === null || typeof desc !== 'object' || Array.isArray(desc) || !desc.kind) return desc;
  const pattern = (n) => Uint8Array.from({ length: n }, (_, i) => i % 251);
  switch (desc.kind) {
    case 'text': return desc.value;
    case 'bytes': return pattern(desc.n);
    case 'arraybuffer': return pattern(desc.n).buffer;
    case 'params': return new URLSearchParams(desc.pairs);
    case 'headers': return new Headers(desc.pairs);
    case 'blob': return new Blob([desc.value], { type: desc.type });
    case 'blobBytes': return new Blob([pattern(desc.n)]);
    case 'form': {
      const f = new FormData();
      f.append('a', 'x');
      f.append('file', new Blob([pattern(2000)], { type: 'application/x-pattern' }), 'p.bin');
      f.append('blob', new Blob([pattern(300)]));
      f.append('a', 'y');
      return f;
    }
    case 'stream': {
      let sent = 0;
      const all = pattern(desc.n);
      return new ReadableStream({
        pull(c) {
          if (sent >= desc.n) return c.close();
          const n = Math.min(16384, desc.n - sent);
          c.enqueue(all.slice(sent, sent + n));
          sent += n;
        },
      });
    }
    case 'generator': return (async function* gen() {
      const all = pattern(desc.n);
      for (let i = 0; i < desc.n; i += 10000) yield all.slice(i, i + 10000);
    })();
    case 'readable': {
      const all = Buffer.from(pattern(desc.n));
      return require('node:stream').Readable.from([all.subarray(0, 1000), all.subarray(1000)]);
    }
    case 'sri': return `sha384-${crypto.createHash('sha384').update(desc.of).digest('base64')}`;
    case 'any': return AbortSignal.any([new AbortController().signal, AbortSignal.timeout(desc.ms)]);
    case 'aborted': return AbortSignal.abort();
    case 'timeout': return AbortSignal.timeout(desc.ms);
    default: throw new Error(`unknown kind ${desc.kind}`);
  }
}

/** The arguments of fetch for a case: `[input, init]`. */
function args(c) {
  const init = {};
  for (const [k, v] of Object.entries(c.init || {})) init[k] = value(v);
  const url = c.urlObject ? new URL(c.url) : c.url;
  if (c.request) return [new Request(url, init), c.override];
  return [url, c.init ? init : undefined];
}

/** What is compared of an error: its class and name. */
function errorSummary(e) {
  return { error: true, typeError: e instanceof TypeError, name: e && e.name, domException: e instanceof DOMException };
}

/** What is compared of a response (the `date` header differs by the clock). */
async function summary(res, c) {
  // The length of an echo depends on the request headers each client adds.
  const headers = [...res.headers].filter(([k]) => k !== 'date' && !((c.echo || c.upload) && k === 'content-length'));
  let body = Buffer.from(await res.arrayBuffer());
  let echo;
  if (c.echo) {
    // Only what the caller decided: each client adds its own user-agent, accept-* headers.
    const e = JSON.parse(body.toString('utf8'));
    const keep = Object.entries(e.headers).filter(([k]) => /^(x-|content-type$|content-length$|accept$|cache-control$|pragma$|referer$)/.test(k));
    echo = { method: e.method, path: e.path, query: e.query, body: e.body, headers: Object.fromEntries(keep) };
    body = undefined;
  }
  let upload;
  if (c.upload) {
    // What the server counted; the multipart boundary is each client's own.
    upload = JSON.parse(body.toString('utf8'));
    upload.content_type = upload.content_type.replace(/boundary=.*/, 'boundary=*');
    body = undefined;
  }
  return {
    status: res.status,
    statusText: res.statusText,
    ok: res.ok,
    headers,
    setCookie: res.headers.getSetCookie(),
    url: res.url,
    redirected: res.redirected,
    type: res.type,
    bodyNull: res.body === null,
    length: body ? body.length : undefined,
    sha256: body ? crypto.createHash('sha256').update(body).digest('hex') : undefined,
    echo,
    upload,
  };
}

/** Runs every case through `fetch`; results by case name. */
async function runAll(fetch, kit) {
  const out = {};
  for (const c of cases(kit)) {
    try {
      const res = await fetch(...args(c));
      out[c.name] = await summary(res, c);
    } catch (e) {
      out[c.name] = errorSummary(e);
    }
  }
  return out;
}

module.exports = { cases, args, runAll, summary };
