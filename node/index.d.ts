// Types of the tlsguard facade (index.js / index.mjs). The shapes of results come from the
// generated native declarations (native.d.ts, written by `napi build` from the Rust structs),
// so a change in the addon shows up here; test/types.test.js type-checks a usage file.
/// <reference types="node" />
import { EventEmitter } from 'node:events';
import { Agent as NodeHttpsAgent } from 'node:https';
import type { AgentOptions as NodeHttpsAgentOptions } from 'node:https';
import type {
  AuditReportObject,
  CodeInfo,
  FindingObject,
  LintCodeInfo,
  ServerReportObject,
  TrustReportObject,
} from './native';

export type { AuditReportObject as AuditReport, FindingObject as Finding, TrustReportObject as TrustReport, CodeInfo, LintCodeInfo };

/** Built-in root stores; your own CAs are always added to them. */
export type Roots = 'mozilla' | 'system' | 'mozilla+system' | 'none';

/** What is trusted: shared by fetch, Client, verifyChain, inspect and trustReport. */
export interface TrustOptions {
  /** Root stores to trust (default 'mozilla+system'). */
  roots?: Roots;
  /** CA file(s), PEM or DER, added to the roots. */
  caFile?: string | string[];
  /** CA certificate(s), PEM text, added to the roots. */
  caPem?: string | Buffer | Array<string | Buffer>;
  /** SPKI pins, `sha256/<base64>`. */
  pins?: string[];
  /** CRLs: file paths or PEM text. */
  crls?: string | Buffer | Array<string | Buffer>;
  /** Whether SSL_CERT_FILE / SSL_CERT_DIR add CAs (default true). */
  useEnv?: boolean;
}

/** Headers sent with every request of a client (values may be lists: one header line each). */
export type HeadersInit = Record<string, string | string[]> | Array<[string, string]> | { forEach(cb: (value: string, name: string) => void): void; get(name: string): string | null };
/** A request's headers, as `new Headers(init)` takes them (repeats combined with `, `). */
export type RequestHeadersInit = ConstructorParameters<typeof globalThis.Headers>[0];

/** Options of a Client (and of the client `fetch` shares among calls with the same options). Times in milliseconds. */
export interface ClientOptions extends TrustOptions {
  /** A client certificate (path or PEM) for mutual TLS, with `clientKey`. */
  clientCert?: string | Buffer;
  /** Its private key (path or PEM): PKCS#8, PKCS#1, SEC1 or encrypted PKCS#8. */
  clientKey?: string | Buffer;
  clientKeyPassword?: string;
  /** Lowest TLS version (there is nothing below 1.2). */
  minTls?: '1.2' | '1.3';
  /** Whole-request timeout, ms (default 30 000). */
  timeout?: number;
  /** Connect timeout (DNS, TCP, TLS handshake), ms (default 10 000). */
  connectTimeout?: number;
  /** The longest wait for the next bytes of a response (head or body), ms (default 30 000; 0: no limit). */
  readTimeout?: number;
  /** How long an idle pooled connection is kept, ms (default 90 000). */
  poolIdleTimeout?: number;
  /** Redirects followed at most (default 10; 0 returns the 3xx). */
  maxRedirects?: number;
  /** Allow http:// URLs (never as a redirect target from https). */
  allowHttp?: boolean;
  /** `http://[user:pass@]host:port`; '' ignores HTTPS_PROXY/HTTP_PROXY. */
  proxy?: string;
  /** Offer HTTP/2 by ALPN (default false: HTTP/1.1 only, like undici and Node https). */
  http2?: boolean;
  /** Reuse connections (default true); false makes a new TCP + TLS connection per request. A Client option only, never a fetch init key (that is the standard's `keepalive`). */
  keepAlive?: boolean;
  /** Request URLs are resolved against it (RFC 3986, as `new URL(url, base)`): `client.fetch('items')`. No credentials. */
  baseUrl?: string | URL;
  /** Added to every request's URL, before the request's own. */
  query?: Record<string, string> | Array<[string, string]>;
  /**
   * Retries after the first attempt (default 0): connection failures before the request left,
   * and the statuses listed, for idempotent methods; or `{ max, backoff (ms), maxBackoff (ms),
   * statuses, methods }`. A `Retry-After` on a 429/503 is honoured up to `maxBackoff`.
   */
  retries?: number | RetryPolicy;
  /** `Authorization` for every request, to the request's origin only (dropped on a redirect to another origin). */
  auth?: { basic: [string, string] } | { bearer: string } | false | null;
  /** A cookie jar (default false; RFC 6265): `true` starts empty, a list (`client.cookies()`) starts with those. */
  cookies?: boolean | Cookie[];
  /** Connections per host at once (default 0: no limit); more requests wait for one. */
  maxConnectionsPerHost?: number;
  /** How long a request waits for a free connection under maxConnectionsPerHost, ms (default 30 000). */
  poolWaitTimeout?: number;
  /** Host names resolved to these addresses instead of by DNS (curl's --resolve); certificates are still checked for the name. */
  resolve?: Record<string, string | string[]>;
  /** Headers sent with every request. */
  headers?: HeadersInit;
  /** Cap on a response body after decompression (default 100 MiB). */
  maxResponseBytes?: number;
  /** Fetch an intermediate the server omits from the leaf's AIA URL (opt-in). */
  fetchMissingIntermediates?: boolean;
  /** Let that fetch reach loopback and private addresses (default false: public ones only). */
  aiaAllowPrivate?: boolean;
  /**
   * Headers dropped when a redirect leaves the origin (default authorization, cookie,
   * proxy-authorization, x-api-key, x-auth-token; the first three are always dropped).
   */
  sensitiveHeaders?: string[];
}

/** The object form of `retries`. */
export interface RetryPolicy {
  max: number;
  /** ms: the first wait (doubling, with jitter). */
  backoff?: number;
  /** ms: the longest wait. */
  maxBackoff?: number;
  statuses?: number[];
  methods?: HttpMethod[];
}

/** A cookie of a Client's jar. */
export interface Cookie {
  name: string;
  value: string;
  domain: string;
  path: string;
  hostOnly: boolean;
  secure: boolean;
  httpOnly: boolean;
  sameSite: string | null;
  /** null: a session cookie. */
  expires: Date | null;
}

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | (string & {});
/**
 * A request body: text (`text/plain;charset=UTF-8`), bytes, a Blob (its type), a FormData
 * (multipart, made by the core), URLSearchParams (a form), or a ReadableStream or async
 * iterable (a Node Readable) of Uint8Array chunks, streamed as it is read (with `duplex: 'half'`).
 */
export type BodyInit =
  | string | ArrayBuffer | ArrayBufferView | Blob | FormData | URLSearchParams
  | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** The Fetch standard's redirect modes (the core's `redirect` option). */
export type RequestRedirect = 'follow' | 'error' | 'manual';

/** Per-request options of `client.fetch`: the Fetch standard's RequestInit, and tlsguard's timeouts. */
export interface RequestInit {
  method?: HttpMethod;
  headers?: RequestHeadersInit;
  body?: BodyInit | null;
  signal?: AbortSignal | null;
  /** `follow` (up to the client's `maxRedirects`), `error` (REDIRECT_REFUSED) or `manual` (the 3xx). */
  redirect?: RequestRedirect;
  /** Required for a stream or async iterable body (the response may start before it is sent). */
  duplex?: 'half';
  /** `no-store`/`reload` send `Cache-Control: no-cache` and `Pragma: no-cache`, `no-cache` `Cache-Control: max-age=0` (there is no cache). */
  cache?: 'default' | 'force-cache' | 'no-cache' | 'no-store' | 'only-if-cached' | 'reload';
  /** A URL: sent as `Referer` as `referrerPolicy` allows. */
  referrer?: string;
  referrerPolicy?: '' | 'no-referrer' | 'no-referrer-when-downgrade' | 'origin' | 'origin-when-cross-origin' | 'same-origin' | 'strict-origin' | 'strict-origin-when-cross-origin' | 'unsafe-url';
  /** Subresource Integrity metadata: the body is read whole and checked (TypeError on a mismatch). */
  integrity?: string;
  /** Accepted and, as in Node's fetch, without effect. */
  keepalive?: boolean;
  credentials?: 'include' | 'omit' | 'same-origin';
  mode?: 'cors' | 'navigate' | 'no-cors' | 'same-origin';
  priority?: 'auto' | 'high' | 'low';
  window?: null;
  /** Deadline of this request, ms (0: no limit): the whole exchange, body included. */
  timeout?: number;
  /** undici's idle timeouts, ms: tlsguard's one `readTimeout` (the wait for the next bytes); give equal values if both. */
  headersTimeout?: number;
  bodyTimeout?: number;
}

/** Options of the one-off `fetch`: the request's and the client's. */
export interface FetchInit extends Omit<ClientOptions, 'headers' | 'keepAlive'>, RequestInit {}

/**
 * A parsed X.509 certificate. `der` is an own property; the others are read (all at once) from
 * the DER the first time one of them is.
 */
export declare class Certificate {
  private constructor();
  static fromPem(pem: string | Buffer | Uint8Array): Certificate;
  static fromDer(der: Buffer | Uint8Array | ArrayBuffer): Certificate;
  subject: string;
  issuer: string;
  subjectCn?: string;
  issuerCn?: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  dnsNames: Array<string>;
  ipAddresses: Array<string>;
  emails: Array<string>;
  hasSan: boolean;
  isCa: boolean;
  basicConstraintsCritical: boolean;
  pathLen?: number;
  keyUsage: Array<string>;
  extendedKeyUsage: Array<string>;
  keyType: string;
  keyBits: number;
  curve?: string;
  signatureAlgorithm: string;
  selfSigned: boolean;
  fingerprintSha256: string;
  spkiPin: string;
  ocspUrls: Array<string>;
  caIssuerUrls: Array<string>;
  crlUrls: Array<string>;
  sctCount: number;
  hasSki: boolean;
  hasAki: boolean;
  der: Buffer;
  pem: string;
  displayName: string;
  weakness?: string;
  toString(): string;
}

/** The error of every tlsguard operation: a `TypeError`, as the errors of Node's fetch. */
export declare class TlsGuardError extends TypeError {
  name: 'TlsGuardError';
  /** Stable code (see errorCodes()), e.g. 'CERT_EXPIRED'; 'INTERNAL' for a caught panic. */
  code: string;
  category: 'certificate' | 'tls' | 'network' | 'timeout' | 'policy' | 'http' | 'invalid_input' | 'internal';
  /** Whose side must fix what. */
  hint: string;
  url: string | null;
  /** The certificates the server presented, leaf first. */
  chain: Certificate[];
  trustSources: string[];
  /**
   * The facts the message names, or undefined. Keys by code (see the error catalogue), e.g.
   * CERT_EXPIRED `{ subject, notAfter, now }`, CERT_HOSTNAME_MISMATCH `{ expected, presented }`,
   * CERT_PIN_MISMATCH `{ pins, chainPins }`; times are `Date`s.
   */
  detail?: ErrorDetail;
  /** The underlying error (e.g. the OS error of a refused connection, with its `errno`). */
  cause?: unknown;
}

/** The facts of a TlsGuardError; which keys a code has is listed in the error catalogue. */
export interface ErrorDetail {
  [key: string]: string | string[] | Date | null;
}

/**
 * A response: Node's `Response` (`instanceof Response` holds; `body` a ReadableStream read
 * from the connection as it is consumed, `clone()`, `blob()`, `formData()`, `headers` a
 * `Headers`), with tlsguard's facts about the connection.
 */
export declare class Response extends globalThis.Response {
  /** Redirects followed. */
  readonly redirects: number;
  /** `HTTP/1.1` or `HTTP/2` (null for a Response not made by tlsguard). */
  readonly httpVersion: string | null;
  /**
   * Whether tlsguard decodes the body from its `Content-Encoding` (every coding one it decodes;
   * said of the headers, which are kept as received, so HEAD too). False for a Response not made
   * by tlsguard.
   */
  readonly bodyDecoded: boolean;
  readonly tlsVersion: string | null;
  readonly cipherSuite: string | null;
  readonly alpn: string | null;
  /** The certificates the server presented, leaf first. */
  readonly peerCertificates: Certificate[];
  /** Verification warnings (e.g. a CRL out of date). */
  readonly warnings: string[];
  /** ms from sending the request to its head. */
  readonly elapsed: number;
  json<T = any>(): Promise<T>;
  clone(): Response;
  /** The body as a Buffer. */
  buffer(): Promise<Buffer>;
}

/**
 * Node's global fetch over tlsguard: `input` a URL or a `Request` (its method, headers, body,
 * signal and redirect mode; `init` overrides them). Calls with the same client options share
 * one client (connections, TLS sessions).
 */
export declare function fetch(input: string | URL | globalThis.Request, init?: FetchInit): Promise<Response>;

export declare class Client {
  constructor(options?: ClientOptions);
  /** As `fetch(input, init)`, through this client's pool; a relative URL resolves against `baseUrl`. */
  fetch(input: string | URL | globalThis.Request, init?: RequestInit): Promise<Response>;
  /** The same as `fetch` (every body is streamed). */
  stream(input: string | URL | globalThis.Request, init?: RequestInit): Promise<Response>;
  trustReport(): TrustReportObject;
  /** The jar's cookies (null without `cookies`); pass them as `cookies` to a new Client. */
  cookies(): Cookie[] | null;
  /** Closes the client: its pool is dropped; later requests are refused (INVALID_ARGUMENT). */
  close(): void;
}

/** The request undici hands a Dispatcher (`fetch` and `undici.request` make it). */
export interface DispatchOptions {
  origin: string | URL;
  path: string;
  method: string;
  headers?: Record<string, string | string[] | undefined> | string[] | Iterable<[string, string]> | null;
  body?: string | Buffer | Uint8Array | Blob | FormData | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string> | null;
  [option: string]: unknown;
}

/** The controller of undici 7+'s handler callbacks. */
export interface DispatchController {
  abort(reason?: Error): void;
  pause(): void;
  resume(): void;
  readonly aborted: boolean;
  readonly paused: boolean;
  readonly reason: Error | undefined;
}

/**
 * A Dispatcher's handler: the callbacks Node 20's fetch and undici 6/7 pass (onConnect ...
 * onError), or undici 7+'s (onRequestStart ... onResponseError). TlsGuardAgent answers either.
 */
export interface DispatchHandler {
  onConnect?(abort: (reason?: Error) => void): void;
  onResponseStarted?(): void;
  onHeaders?(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean | void;
  onData?(chunk: Buffer): boolean | void;
  onComplete?(trailers: Buffer[]): void;
  onError?(err: Error): void;
  onRequestStart?(controller: DispatchController, context: object): void;
  onResponseStart?(controller: DispatchController, statusCode: number, headers: Record<string, string | string[]>, statusMessage: string): void;
  onResponseData?(controller: DispatchController, chunk: Buffer): void;
  onResponseEnd?(controller: DispatchController, trailers: Record<string, string | string[]>): void;
  onResponseError?(controller: DispatchController, err: Error): void;
}

/**
 * An undici Dispatcher over tlsguard: `setGlobalDispatcher(new TlsGuardAgent(options))` (undici's)
 * puts the global `fetch` and `undici.request` on tlsguard's verification; or per call,
 * `fetch(url, { dispatcher })`. Each request is one hop (redirects returned, bodies as sent:
 * fetch follows and decodes them). `options` are those of `new Client()`.
 *
 * It implements `dispatch`, `close` and `destroy`, which is all fetch and undici call (undici's
 * types name a whole `Dispatcher` class, with request(), stream(), ...: TypeScript may want
 * `agent as unknown as Dispatcher` where one is typed).
 */
export declare class TlsGuardAgent extends EventEmitter {
  constructor(options?: ClientOptions);
  /** Whether close() or destroy() was called. */
  readonly closed: boolean;
  /** Starts a request; `handler` hears its head, body and end, or its error (a TlsGuardError with `code`). */
  dispatch(options: DispatchOptions, handler: DispatchHandler): boolean;
  /** Refuses new requests; resolves once those in flight are done. */
  close(): Promise<void>;
  close(callback: (err: null, data: null) => void): void;
  /** Aborts the requests in flight (with `err`) and closes. */
  destroy(err?: Error | null): Promise<void>;
  destroy(callback: (err: null, data: null) => void): void;
  destroy(err: Error | null, callback: (err: null, data: null) => void): void;
}

/**
 * Options of an HttpsAgent: those of a Client that make a connection (trust, pins, CRLs,
 * minTls, client certificate, proxy, resolve, connectTimeout, ...) and https.Agent's own. The
 * Client options about the HTTP exchange are refused (INVALID_ARGUMENT): under https.request
 * the exchange is the library's.
 */
export interface HttpsAgentOptions
  extends Omit<ClientOptions, 'timeout' | 'readTimeout' | 'maxResponseBytes' | 'maxRedirects' | 'retries' | 'cookies' | 'auth' | 'baseUrl' | 'headers' | 'query' | 'allowHttp' | 'http2' | 'keepAlive' | 'sensitiveHeaders' | 'poolIdleTimeout'>,
    Pick<NodeHttpsAgentOptions, 'keepAlive' | 'keepAliveMsecs' | 'maxSockets' | 'maxTotalSockets' | 'maxFreeSockets' | 'scheduling' | 'timeout'> {}

/**
 * An `https.Agent` whose connections are made and verified by tlsguard, for libraries built on
 * `https.request` (axios' `httpsAgent`, got's `agent.https`, node-fetch's `agent`), or
 * `https.globalAgent = new HttpsAgent(options)`. A refused connection is the request's error
 * (a TlsGuardError with `code`); a request's own `rejectUnauthorized: false`, `ca`, `cert`,
 * `key` (...) are refused.
 */
export declare class HttpsAgent extends NodeHttpsAgent {
  constructor(options?: HttpsAgentOptions);
}

export declare function loadCertificates(input: string | Buffer | Uint8Array): Certificate[];

export interface VerifyOptions extends TrustOptions {
  hostname?: string;
  /** The validation time (default now). */
  at?: Date | number;
  purpose?: 'server' | 'client';
  maxChainDepth?: number;
  fetchMissingIntermediates?: boolean;
  aiaAllowPrivate?: boolean;
}

export interface ChainReport {
  ok: boolean;
  error: TlsGuardError | null;
  path: Certificate[];
  presented: Certificate[];
  at: Date;
  warnings: string[];
}

export declare function verifyChain(chain: string | Buffer | Uint8Array | Array<Certificate | Buffer | Uint8Array>, options?: VerifyOptions): ChainReport;

/** A prepared chain verifier: the trust loaded once, then `verify()` per chain (verifyChain's report). */
export declare class Verifier {
  constructor(options?: Omit<VerifyOptions, 'hostname' | 'at'>);
  /** `hostname` is not checked when absent; `at` defaults to now. */
  verify(chain: string | Buffer | Uint8Array | Array<Certificate | Buffer | Uint8Array>, hostname?: string | null, at?: Date | number | null): ChainReport;
}

export interface LintOptions {
  /** The private key: a path (its permissions are checked too) or PEM. */
  key?: string | Buffer;
  hostnames?: string | string[];
  warnDays?: number;
  at?: Date | number;
}

export declare function lint(chainPem: string | Buffer | Uint8Array, options?: LintOptions): FindingObject[];

export interface InspectOptions extends TrustOptions {
  port?: number;
  audit?: boolean;
  httpRequest?: boolean;
  path?: string;
  timeout?: number;
  connectTimeout?: number;
  clientCert?: string | Buffer;
  clientKey?: string | Buffer;
  clientKeyPassword?: string;
}

export interface ServerReport extends Omit<ServerReportObject, 'chain' | 'verdict' | 'httpError'> {
  chain: Certificate[];
  verdict: TlsGuardError | null;
  httpError: TlsGuardError | null;
}

export declare function inspect(host: string, options?: InspectOptions): Promise<ServerReport>;
export declare function audit(host: string, options?: Pick<InspectOptions, 'port' | 'connectTimeout'>): Promise<AuditReportObject>;
export declare function trustReport(options?: TrustOptions): TrustReportObject;
export declare function errorCodes(): CodeInfo[];
export declare function lintCodes(): LintCodeInfo[];
export declare const version: string;
