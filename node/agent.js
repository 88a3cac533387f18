'use strict';
// The adapters that put tlsguard under existing code:
// - TlsGuardAgent: an undici Dispatcher (Node's global fetch, undici.request, fetch(url,
//   { dispatcher })). Each hop goes through the core's Client (streamed, `decompress: false`,
//   `redirect: 'manual'`): fetch follows redirects and decodes bodies itself.
// - HttpsAgent: an https.Agent (https.request, axios, got, node-fetch) whose sockets carry the
//   plaintext of TLS connections the core made and verified.
// As everywhere in the facade, this file converts arguments, results and errors: no TLS or
// HTTP decision is taken here (an http:// origin is refused by the core, unless `allowHttp`).

const crypto = require('node:crypto');
const https = require('node:https');
const { EventEmitter } = require('node:events');
const { Duplex } = require('node:stream');

/** The adapters, over the facade's internals (see the end of index.js). */
module.exports = function adapters(internal) {
  const { native, completions, inFlight, nextId, convertError, callSync, plainOptions, pumpUpload, pullChunk, headerList } = internal;

  // ------------------------------------------------------------ request conversion

  /** undici's request headers (object, flat [k, v, ...] array, iterable of pairs) as pairs. */
  function requestHeaders(headers) {
    const out = [];
    if (headers === undefined || headers === null) return out;
    const push = (k, v) => {
      if (v === undefined || v === null) return;
      if (Array.isArray(v)) v.forEach((x) => out.push([String(k), String(x)]));
      else out.push([String(k), String(v)]);
    };
    if (Array.isArray(headers)) {
      if (headers.length && Array.isArray(headers[0])) {
        for (const [k, v] of headers) push(k, v);
      } else {
        if (headers.length % 2 !== 0) throw new TypeError('headers array must be even');
        for (let i = 0; i < headers.length; i += 2) push(headers[i], headers[i + 1]);
      }
    } else if (typeof headers[Symbol.iterator] === 'function') {
      for (const [k, v] of headers) push(k, v);
    } else if (typeof headers === 'object') {
      for (const k of Object.keys(headers)) push(k, headers[k]);
    } else {
      throw new TypeError('headers must be an object or an array');
    }
    return out;
  }

  /** A chunk source (`read()`/`cancel()`, as pumpUpload reads) of an async iterable. */
  function iterableSource(iterable) {
    const it = iterable[Symbol.asyncIterator]();
    return {
      read: () => it.next().then((r) => (r.done ? { done: true } : { done: false, value: r.value })),
      cancel: () => Promise.resolve(typeof it.return === 'function' ? it.return() : undefined).catch(() => {}),
    };
  }

  /**
   * The native arguments of an undici request body: `{ bytes }`, `{ source, type? }` (streamed
   * through a NativeUpload), or null. FormData and Blob are read as the platform streams them.
   */
  function requestBody(body) {
    if (body === undefined || body === null) return null;
    if (typeof body === 'string') return { bytes: Buffer.from(body, 'utf8') };
    if (ArrayBuffer.isView(body)) return { bytes: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
    if (body instanceof ArrayBuffer) return { bytes: Buffer.from(body) };
    if (body instanceof FormData) {
      const r = new globalThis.Response(body);
      return { source: iterableSource(r.body), type: r.headers.get('content-type') };
    }
    if (body instanceof Blob) return { source: iterableSource(body.stream()), type: body.type || null };
    if (typeof body[Symbol.asyncIterator] === 'function') return { source: iterableSource(body) };
    if (typeof body[Symbol.iterator] === 'function') {
      return { source: iterableSource((async function* sync() { yield* body; })()) };
    }
    throw new TypeError('body must be a string, Buffer, Uint8Array, Blob, FormData, Readable or (async) iterable');
  }

  /** `name NUL value ...` response headers as undici's raw headers (Buffers, flat). */
  function rawHeaders(pairs) {
    const out = new Array(pairs.length * 2);
    for (let i = 0; i < pairs.length; i++) {
      out[2 * i] = Buffer.from(pairs[i][0], 'latin1');
      out[2 * i + 1] = Buffer.from(pairs[i][1], 'latin1');
    }
    return out;
  }

  /** Response headers as undici 7+'s object (a repeated name: an array of its values). */
  function headerObject(pairs) {
    const out = {};
    for (const [k, v] of pairs) {
      if (out[k] === undefined) out[k] = v;
      else if (Array.isArray(out[k])) out[k].push(v);
      else out[k] = [out[k], v];
    }
    return out;
  }

  function abortedError(reason) {
    if (reason !== undefined && reason !== null) return reason;
    const e = new Error('Request aborted');
    e.name = 'AbortError';
    e.code = 'UND_ERR_ABORTED';
    return e;
  }

  // ------------------------------------------------------------ handlers

  /**
   * One exchange of a dispatch: the handler's callbacks (legacy: onConnect/onHeaders/onData/
   * onComplete/onError; undici 7+: onRequestStart/onResponseStart/onResponseData/
   * onResponseEnd/onResponseError with a controller) behind one shape. Exactly one of
   * complete() / fail() reaches the handler.
   */
  class Exchange {
    constructor(handler) {
      this.handler = handler;
      this.modern = typeof handler.onRequestStart === 'function' || typeof handler.onResponseStart === 'function';
      this.done = false;
      this.aborted = false;
      this.reason = undefined;
      this.paused = false;
      this.wake = null;
      this.onAbort = null; // what stops the native side (set as the exchange goes on)
      const self = this;
      this.controller = {
        abort(reason) { self.abort(reason); },
        pause() { self.paused = true; },
        resume() { self.resume(); },
        get aborted() { return self.aborted; },
        get paused() { return self.paused; },
        get reason() { return self.reason; },
      };
    }

    abort(reason) {
      if (this.aborted || this.done) return; // fetch may call it more than once, and after the end
      this.aborted = true;
      this.reason = abortedError(reason);
      if (this.onAbort) this.onAbort();
      this.fail(this.reason);
    }

    resume() {
      this.paused = false;
      const w = this.wake;
      this.wake = null;
      if (w) w();
    }

    /** Resolves once the consumer is not paused (backpressure). */
    flowing() {
      if (!this.paused || this.aborted) return null;
      return new Promise((resolve) => { this.wake = resolve; });
    }

    start() {
      const h = this.handler;
      if (this.modern) {
        if (typeof h.onRequestStart === 'function') h.onRequestStart(this.controller, {});
      } else if (typeof h.onConnect === 'function') {
        h.onConnect((reason) => this.abort(reason));
      }
    }

    headers(status, statusText, pairs) {
      if (this.done || this.aborted) return;
      const h = this.handler;
      if (this.modern) {
        if (typeof h.onResponseStart === 'function') h.onResponseStart(this.controller, status, headerObject(pairs), statusText);
      } else {
        if (typeof h.onResponseStarted === 'function') h.onResponseStarted();
        if (h.onHeaders(status, rawHeaders(pairs), () => this.resume(), statusText) === false) this.paused = true;
      }
    }

    data(chunk) {
      if (this.done || this.aborted) return;
      const h = this.handler;
      if (this.modern) {
        if (typeof h.onResponseData === 'function') h.onResponseData(this.controller, chunk);
      } else if (h.onData(chunk) === false) {
        this.paused = true;
      }
    }

    complete() {
      if (this.done || this.aborted) return;
      this.done = true;
      const h = this.handler;
      if (this.modern) {
        if (typeof h.onResponseEnd === 'function') h.onResponseEnd(this.controller, {});
      } else {
        h.onComplete([]);
      }
    }

    fail(err) {
      if (this.done) return;
      this.done = true;
      const h = this.handler;
      if (this.modern) {
        if (typeof h.onResponseError === 'function') h.onResponseError(this.controller, err);
      } else if (typeof h.onError === 'function') {
        h.onError(err);
      }
    }
  }

  // ------------------------------------------------------------ TlsGuardAgent

  /** Starts one native request; resolves with the head array (see makeResponse in index.js). */
  function startRequest(client, url, method, options, body, ex) {
    return new Promise((resolve, reject) => {
      const id = nextId();
      inFlight.set(id, { settle: (ok, value) => (ok ? resolve(value) : reject(value)), reject });
      let upload;
      let bytes;
      if (body !== null && body.bytes !== undefined) bytes = body.bytes;
      else if (body !== null) upload = new native.NativeUpload(completions, body.length);
      let handle;
      try {
        handle = client.stream(id, url, method, options, bytes, upload, undefined);
      } catch (e) {
        inFlight.delete(id);
        if (body && body.source) body.source.cancel(e);
        reject(e);
        return;
      }
      ex.onAbort = () => handle.abort();
      if (upload) pumpUpload(upload, body.source, null);
    });
  }

  /** Reads the body one pull at a time, honouring the consumer's backpressure. */
  async function pumpBody(nativeBody, ready, end, failure, ex) {
    ex.onAbort = () => nativeBody.close();
    if (ready !== null) ex.data(Buffer.from(ready));
    if (failure !== null) throw failure;
    if (end) return;
    for (;;) {
      const waiting = ex.flowing();
      if (waiting) await waiting;
      if (ex.aborted || ex.done) {
        nativeBody.close();
        return;
      }
      const ab = await pullChunk(nativeBody, null);
      if (ab === null) return;
      ex.data(Buffer.from(ab));
    }
  }

  /**
   * An undici `Dispatcher` over tlsguard: `setGlobalDispatcher(new TlsGuardAgent(options))`
   * puts the global `fetch` and `undici.request` on tlsguard's verification, or pass it per
   * call (`fetch(url, { dispatcher })`). `options` are those of `new Client()`. Each request
   * is one hop: redirects are returned (fetch follows them), bodies as the server sent them
   * (fetch decodes them).
   */
  class TlsGuardAgent extends EventEmitter {
    #native;
    #timeout;
    #closed = false;
    #running = new Set();
    #idle = [];

    constructor(options) {
      super();
      const o = plainOptions('options', options);
      this.#native = callSync(() => new native.NativeClient(completions, o));
      this.#timeout = o.timeout !== undefined && o.timeout !== null;
    }

    /** Whether close() or destroy() was called. */
    get closed() {
      return this.#closed;
    }

    /** undici's Dispatcher.dispatch: starts the request; the handler hears how it goes. */
    dispatch(opts, handler) {
      if (!handler || typeof handler !== 'object') throw new TypeError('handler must be an object');
      const ex = new Exchange(handler);
      this.#running.add(ex);
      // A handler callback that throws fails the exchange (onError with what it threw), as in
      // undici; one that throws from onComplete/onError itself is not the agent's to report.
      this.#run(opts, ex)
        .then(() => ex.complete(), (e) => ex.fail(convertError(e)))
        .catch(() => {})
        .finally(() => {
          this.#running.delete(ex);
          if (this.#running.size === 0) this.#idle.splice(0).forEach((f) => f());
        });
      return true;
    }

    async #run(opts, ex) {
      ex.start();
      if (ex.aborted) return;
      if (this.#closed) {
        const e = new Error('The client is destroyed');
        e.name = 'ClientDestroyedError';
        e.code = 'UND_ERR_DESTROYED';
        throw e;
      }
      if (!opts || typeof opts !== 'object') throw new TypeError('opts must be an object');
      if (opts.upgrade || opts.method === 'CONNECT') {
        const e = new TypeError('TlsGuardAgent: upgrades and CONNECT are not supported (HTTP/1.1 requests and responses only)');
        e.code = 'UND_ERR_NOT_SUPPORTED';
        throw e;
      }
      const origin = opts.origin instanceof URL ? opts.origin.origin : String(opts.origin).replace(/\/+$/, '');
      const url = origin + (opts.path || '/');
      const headers = requestHeaders(opts.headers);
      const body = requestBody(opts.body);
      // The length the caller announced goes with a streamed body (sent as Content-Length by
      // the core); a body type (FormData) when the caller set none.
      let length;
      const kept = [];
      for (const [k, v] of headers) {
        if (k.toLowerCase() === 'content-length') length = Number(v);
        else kept.push([k, v]);
      }
      if (body !== null && body.source) body.length = Number.isFinite(length) ? length : undefined;
      else if (body === null && length !== undefined) kept.push(['content-length', String(length)]);
      if (body && body.type && !kept.some(([k]) => k.toLowerCase() === 'content-type')) kept.push(['content-type', body.type]);
      // undici asks for no coding unless told to, and returns the bytes as sent.
      if (!kept.some(([k]) => k.toLowerCase() === 'accept-encoding')) kept.push(['accept-encoding', 'identity']);
      const options = { headers: kept, decompress: false, redirect: 'manual' };
      if (this.#timeout) options.timeout_covers_body = true;
      const head = await startRequest(this.#native, url, opts.method || 'GET', options, body, ex);
      if (ex.aborted) {
        head[12].close();
        return;
      }
      ex.headers(head[0], head[1], headerList(head[2]));
      await pumpBody(head[12], head[13], head[14], head[15], ex);
    }

    /** Stops taking requests; resolves once those in flight are done. */
    close(callback) {
      this.#closed = true;
      const p = new Promise((resolve) => {
        if (this.#running.size === 0) resolve();
        else this.#idle.push(resolve);
      }).then(() => this.#native.close());
      if (typeof callback === 'function') {
        p.then(() => callback(null, null));
        return undefined;
      }
      return p;
    }

    /** Aborts the requests in flight (with `err`) and closes. */
    destroy(err, callback) {
      if (typeof err === 'function') [callback, err] = [err, null];
      this.#closed = true;
      const reason = err || Object.assign(new Error('The client is destroyed'), { name: 'ClientDestroyedError', code: 'UND_ERR_DESTROYED' });
      for (const ex of this.#running) ex.abort(reason);
      this.#native.close();
      const p = Promise.resolve();
      if (typeof callback === 'function') {
        p.then(() => callback(null, null));
        return undefined;
      }
      return p;
    }
  }

  // ------------------------------------------------------------ HttpsAgent

  /** An operation of a NativeTunnel through the completions: resolves with its value. */
  function tunnelCall(start, track) {
    return new Promise((resolve, reject) => {
      const id = nextId();
      const settle = (ok, value) => {
        // Synchronously with the hub's take(): the id is no longer pending.
        if (track) track(null);
        return ok ? resolve(value) : reject(convertError(value));
      };
      inFlight.set(id, { settle, reject });
      if (track) track(id);
      try {
        start(id);
      } catch (e) {
        inFlight.delete(id);
        if (track) track(null);
        reject(convertError(e));
      }
    });
  }

  /** A certificate as tls.TLSSocket#getPeerCertificate() shows one (from its DER). */
  function peerCertificate(der) {
    const x = new crypto.X509Certificate(der);
    const names = (text) => {
      const o = {};
      for (const line of (text || '').split('\n')) {
        const i = line.indexOf('=');
        if (i > 0) o[line.slice(0, i)] = line.slice(i + 1);
      }
      return o;
    };
    return {
      subject: names(x.subject),
      issuer: names(x.issuer),
      subjectaltname: x.subjectAltName,
      valid_from: x.validFrom,
      valid_to: x.validTo,
      serialNumber: x.serialNumber,
      fingerprint: x.fingerprint,
      fingerprint256: x.fingerprint256,
      fingerprint512: x.fingerprint512,
      ca: x.ca,
      raw: Buffer.from(der),
    };
  }

  /**
   * The socket HttpsAgent hands to Node's HTTP client: a Duplex over the plaintext of a TLS
   * connection the core made and verified (a NativeTunnel), with what Node and the libraries
   * built on it use of a tls.TLSSocket (setTimeout, setKeepAlive, ref/unref, 'connect' and
   * 'secureConnect', encrypted/authorized, getPeerCertificate(), getProtocol(), alpnProtocol).
   * A refused connection destroys it with tlsguard's error (its `code`).
   */
  class TlsGuardSocket extends Duplex {
    #tunnel = null;
    #ready;
    #reading = false;
    #readId = null; // the read in flight
    #weak = false; // unref(): an idle read does not keep the event loop alive
    #timer = null;
    #info = null;

    constructor(client, host, port) {
      super({ allowHalfOpen: false });
      this.connecting = true;
      this.encrypted = true;
      this.authorized = false;
      this.authorizationError = null;
      this.alpnProtocol = false;
      this.timeout = 0;
      this.remoteHost = host;
      this.remotePort = port;
      this.#ready = tunnelCall((id) => {
        this.#tunnel = client.connectTls(id, host, port);
      }).then(
        () => {
          if (this.destroyed) return false;
          this.#info = this.#tunnel.tls();
          this.connecting = false;
          this.authorized = true;
          this.alpnProtocol = this.#info ? this.#info.alpn || false : false;
          this.emit('connect');
          this.emit('secureConnect');
          return true;
        },
        (err) => {
          this.destroy(err);
          return false;
        },
      );
      this.#ready.catch(() => {});
    }

    #touch() {
      if (this.#timer) this.#timer.refresh();
    }

    _read() {
      if (this.#reading) return;
      this.#reading = true;
      this.#ready.then(async (ok) => {
        try {
          while (ok && !this.destroyed) {
            const ab = await tunnelCall((id) => {
              this.#tunnel.read(id);
              if (this.#weak) completions.setWeak(id, true);
            }, (id) => { this.#readId = id; });
            this.#touch();
            if (ab === null) {
              this.push(null);
              return;
            }
            if (!this.push(Buffer.from(ab))) return;
          }
        } catch (e) {
          if (!this.destroyed) this.destroy(e);
        } finally {
          this.#readId = null;
          this.#reading = false;
        }
      });
    }

    _write(chunk, encoding, callback) {
      this.#ready.then((ok) => {
        if (!ok) return callback(this.errored || new Error('the connection was not made'));
        return tunnelCall((id) => this.#tunnel.write(id, chunk)).then(
          () => {
            this.#touch();
            callback();
          },
          callback,
        );
      });
    }

    _final(callback) {
      this.#ready.then(() => {
        if (this.#tunnel) this.#tunnel.end();
        callback();
      });
    }

    _destroy(err, callback) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
      if (this.#tunnel) this.#tunnel.close();
      else this.#ready.then(() => this.#tunnel && this.#tunnel.close());
      callback(err);
    }

    /** Emits 'timeout' after `ms` without I/O (0: never), as net.Socket does. */
    setTimeout(ms, callback) {
      this.timeout = ms;
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
      if (ms > 0) {
        this.#timer = setTimeout(() => this.emit('timeout'), ms);
        this.#timer.unref();
      }
      if (callback) this.once('timeout', callback);
      return this;
    }

    setNoDelay() { return this; }
    setKeepAlive() { return this; }
    /** As net.Socket: the pending read keeps the event loop alive (again). */
    ref() {
      this.#weak = false;
      if (this.#readId !== null) completions.setWeak(this.#readId, false);
      return this;
    }

    /** As net.Socket (Node's agent calls it for an idle pooled socket): the pending read no longer keeps the event loop alive. */
    unref() {
      this.#weak = true;
      if (this.#readId !== null) completions.setWeak(this.#readId, true);
      return this;
    }
    address() { return {}; }

    /** TLSv1.2 or TLSv1.3. */
    getProtocol() {
      return this.#info ? this.#info.version : null;
    }

    getCipher() {
      return this.#info ? { name: this.#info.cipherSuite, standardName: this.#info.cipherSuite, version: this.#info.version } : null;
    }

    /** The server's certificate as tls.TLSSocket shows it (`detailed`: with `issuerCertificate`). */
    getPeerCertificate(detailed) {
      const ders = this.#info ? this.#info.peerCertificates : [];
      if (ders.length === 0) return {};
      const certs = ders.map(peerCertificate);
      if (detailed) for (let i = 0; i + 1 < certs.length; i++) certs[i].issuerCertificate = certs[i + 1];
      return certs[0];
    }

    getPeerX509Certificate() {
      const ders = this.#info ? this.#info.peerCertificates : [];
      return ders.length ? new crypto.X509Certificate(ders[0]) : undefined;
    }

    /** The certificates the server presented (tlsguard Certificates, leaf first). */
    get peerCertificates() {
      return (this.#info ? this.#info.peerCertificates : []).map((der) => internal.toCertificate(der));
    }
  }

  // Request options of https.request that would change what is trusted or presented: the
  // agent's options say that, once, for every request.
  const WEAKENING = {
    rejectUnauthorized: 'verification is always on',
    ca: "trust the CA with the agent's caFile or caPem option (and roots)",
    cert: "present a client certificate with the agent's clientCert/clientKey options",
    key: "present a client certificate with the agent's clientCert/clientKey options",
    pfx: "present a client certificate with the agent's clientCert/clientKey options (PEM)",
    passphrase: "give the key's password with the agent's clientKeyPassword option",
    checkServerIdentity: "names are checked by tlsguard; pin a key with the agent's pins option",
    secureContext: 'the TLS configuration is the agent\'s (its options)',
    ciphers: 'tlsguard offers only modern AEAD suites',
    minVersion: "raise the minimum with the agent's minTls option",
    maxVersion: 'TLS 1.2 and 1.3 are negotiated by tlsguard',
    secureProtocol: "raise the minimum with the agent's minTls option",
  };

  // Client options about the HTTP exchange, which under https.request is the library's.
  const EXCHANGE_OPTIONS = {
    readTimeout: "the library's socket timeout (https.request's timeout, axios' timeout)",
    maxResponseBytes: "the library's limit (axios' maxContentLength)",
    maxRedirects: "the library's redirect options (axios' maxRedirects)",
    retries: "the library's retries",
    cookies: "the library's cookie handling",
    auth: "the request's auth option",
    baseUrl: "the library's base URL (axios' baseURL)",
    headers: "the request's headers",
    query: "the request's URL",
    allowHttp: 'http:// requests do not go through an https.Agent (they use http.globalAgent)',
    http2: "Node's HTTP client speaks HTTP/1.1; the agent's connections offer only http/1.1",
    sensitiveHeaders: "the library's redirect handling (axios' beforeRedirect)",
    poolIdleTimeout: "https.Agent's own timeout option (the socket's idle timeout)",
  };

  // https.Agent's own options (`timeout`: the socket's idle timeout, as in Node).
  const NODE_AGENT_OPTIONS = ['keepAlive', 'keepAliveMsecs', 'maxSockets', 'maxTotalSockets', 'maxFreeSockets', 'scheduling', 'timeout'];

  function refusal(message, hint) {
    const info = native.errorCodes().find((c) => c.code === 'INVALID_ARGUMENT');
    return new internal.TlsGuardError(message, { ...info, code: 'INVALID_ARGUMENT', hint });
  }

  /**
   * An `https.Agent` whose connections are made and verified by tlsguard: for libraries built
   * on `https.request` (axios, got, node-fetch). `options`: the Client options that make a
   * connection (trust, pins, CRLs, minTls, client certificate, proxy, resolve,
   * connectTimeout, ...) and https.Agent's own (`keepAlive`, `maxSockets`, `timeout` (the
   * socket's idle timeout), ...). The HTTP exchange is Node's: see manual/security.md.
   */
  class HttpsAgent extends https.Agent {
    #native;

    constructor(options) {
      const o = options === undefined || options === null ? {} : options;
      if (typeof o !== 'object' || Array.isArray(o)) throw new TypeError('options must be an object of options');
      const nodeOptions = {};
      const clientOptions = {};
      for (const k of Object.keys(o)) {
        if (o[k] === undefined) continue;
        if (NODE_AGENT_OPTIONS.includes(k)) nodeOptions[k] = o[k];
        else if (EXCHANGE_OPTIONS[k] !== undefined) {
          throw refusal(`HttpsAgent: ${k} is about the HTTP exchange, which under https.request is the library's, not the agent's`, `Use ${EXCHANGE_OPTIONS[k]}.`);
        } else if (WEAKENING[k] !== undefined) {
          throw refusal(`HttpsAgent: ${k} is an option of tls.connect, not of tlsguard`, `${WEAKENING[k][0].toUpperCase()}${WEAKENING[k].slice(1)}.`);
        } else clientOptions[k] = o[k];
      }
      super(nodeOptions);
      const plain = plainOptions('options', clientOptions);
      this.#native = callSync(() => new native.NativeClient(completions, plain));
    }

    /** Node calls this for each new connection: a TlsGuardSocket, or the refusal through `callback`. */
    createConnection(options, callback) {
      for (const k of Object.keys(WEAKENING)) {
        const v = options[k];
        if (v === undefined || v === null || (k === 'rejectUnauthorized' && v !== false)) continue;
        const err = refusal(`HttpsAgent: the request's ${k} option is refused: the agent's options say what is trusted and presented`, `${WEAKENING[k][0].toUpperCase()}${WEAKENING[k].slice(1)}.`);
        process.nextTick(callback, err);
        return undefined;
      }
      const host = options.host || options.hostname || 'localhost';
      if (options.servername && options.servername !== host) {
        const err = refusal(`HttpsAgent: the request connects to ${host} but names ${options.servername} (Host header or servername): tlsguard verifies the name it connects to`, "Request the name itself, and map it to the address with the agent's resolve option.");
        process.nextTick(callback, err);
        return undefined;
      }
      return new TlsGuardSocket(this.#native, host, Number(options.port) || 443);
    }

    /** Closes the pooled sockets and the agent's client. */
    destroy() {
      super.destroy();
      this.#native.close();
    }
  }

  return { TlsGuardAgent, HttpsAgent };
};
