'use strict';
// The adapters that put tlsguard under existing code:
// - TlsGuardAgent: an undici Dispatcher (Node's global fetch, undici.request, fetch(url,
//   { dispatcher })). Each hop goes through the core's Client (streamed, `decompress: false`,
//   `redirect: 'manual'`): fetch follows redirects and decodes bodies itself.
// As everywhere in the facade, this file converts arguments, results and errors: no TLS or
// HTTP decision is taken here (an http:// origin is refused by the core, unless `allowHttp`).

const { EventEmitter } = require('node:events');

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
      this.#run(opts, ex).then(
        () => ex.complete(),
        (e) => ex.fail(convertError(e)),
      ).finally(() => {
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

  return { TlsGuardAgent };
};
