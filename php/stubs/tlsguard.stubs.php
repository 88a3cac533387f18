<?php
/**
 * IDE stubs of the tlsguard extension (tlsguard.so). Never include this file at run time:
 * the extension defines these. php/tests/StubsTest.php checks it against the loaded
 * extension's reflection.
 *
 * The Composer package's own classes (TlsGuard\Psr18\Client, TlsGuard\Guzzle\Handler,
 * TlsGuard\Psr7\Stream) are plain PHP in php/src, typed there.
 *
 * Option arrays use the core's snake_case names. Durations are seconds (float); times are
 * Unix seconds (int) or DateTimeInterface.
 */

namespace TlsGuard {

    /** The extension's version. */
    function version(): string {}

    /** The rustls version compiled in. */
    function rustls_version(): string {}

    /**
     * Every certificate of a PEM bundle (or one DER certificate), in order.
     * @return list<Certificate>
     * @throws InvalidArgumentException INVALID_PEM
     */
    function load_certificates(string $pem): mixed {}

    /**
     * Verifies a chain offline with the client's verifier. A refused chain is not thrown: it is `error`.
     * @param array{hostname?: string, at?: int|\DateTimeInterface, purpose?: 'server'|'client', max_chain_depth?: int,
     *   fetch_missing_intermediates?: bool, aia_allow_private?: bool, roots?: string, ca_file?: string|list<string>, ca_pem?: string|list<string>,
     *   pins?: list<string>, crls?: list<string>, use_env?: bool}|null $options
     * @return array{ok: bool, error: ?TlsGuardException, path: list<Certificate>, presented: list<Certificate>, at: int, warnings: list<string>}
     * @throws InvalidArgumentException bad input (INVALID_PEM, INVALID_ARGUMENT, IO)
     */
    function verify_chain(string $chain, ?array $options = null): mixed {}

    /**
     * Lints a deployment bundle (leaf first, then intermediates).
     * @param array{key?: string, hostnames?: string|list<string>, warn_days?: int, at?: int|\DateTimeInterface}|null $options
     * @return list<array{code: string, severity: 'info'|'warning'|'error', certificate: ?int, subject: ?string, message: string, fix: string}>
     */
    function lint(string $bundle, ?array $options = null): mixed {}

    /**
     * Inspects a live server like a request would. Certificate problems are in `verdict`.
     * @param array{port?: int, audit?: bool, http_request?: bool, path?: string, timeout?: float, connect_timeout?: float,
     *   roots?: string, ca_file?: string|list<string>, ca_pem?: string|list<string>, pins?: list<string>, crls?: list<string>,
     *   client_cert?: string, client_key?: string, client_key_password?: string, use_env?: bool}|null $options
     * @return array<string, mixed>
     */
    function inspect(string $host, ?array $options = null): mixed {}

    /**
     * What a trust configuration loads.
     * @param array{roots?: string, ca_file?: string|list<string>, ca_pem?: string|list<string>, pins?: list<string>, crls?: list<string>, use_env?: bool}|null $options
     * @return array{roots: string, sources: list<array{kind: string, location: string, loaded: int, skipped: int, skipped_reasons: list<string>, summary: string}>, total: int, pins: int, crls: int, pin_only: bool, summary: list<string>, warnings: list<string>}
     */
    function trust_report(?array $options = null): mixed {}

    /**
     * The exception a request failing with `$code` throws (tests, mocks).
     * @return TlsGuardException
     */
    function error_from_code(string $code, ?string $message = null): mixed {}

    /**
     * The core's client defaults by option name (what an absent option means), for tests.
     * @return array<string, mixed>
     */
    function client_defaults(): mixed {}

    /** Base of every tlsguard exception. */
    class TlsGuardException extends \Exception
    {
        protected $errorCode = null;
        protected $hint = null;
        protected $chain = null;
        protected $url = null;
        protected $trustSources = null;
        protected $category = null;
        protected $detail = null;

        /** @param list<Certificate> $chain @param list<string> $trustSources @param array<string, mixed>|null $detail */
        public function __construct(string $message = '', string $errorCode = '', string $hint = '', array $chain = [], ?string $url = null, array $trustSources = [], string $category = '', ?array $detail = null) {}
        /** The stable code, e.g. CERT_EXPIRED (tests/errors.json). */
        public function getErrorCode(): string {}
        /** Whose side must fix what. */
        public function getHint(): string {}
        /** @return list<Certificate> the chain the server presented, leaf first */
        public function getChain(): array {}
        /** The URL of the failed request. */
        public function getUrl(): ?string {}
        /** @return list<string> */
        public function getTrustSources(): array {}
        /** certificate, tls, network, timeout, policy, http or invalid_input. */
        public function getCategory(): string {}
        /**
         * The facts the message names (snake_case keys per code, see the error catalogue; times
         * as Unix seconds, like Certificate::toArray()), or null. The underlying OS error, if
         * any, is getPrevious() (an \Exception whose code is the errno).
         * @return array<string, string|list<string>|int|null>|null
         */
        public function getDetail(): ?array {}
    }

    class CertificateException extends TlsGuardException {}
    class TlsException extends TlsGuardException {}
    class NetworkException extends TlsGuardException {}
    class TimeoutException extends TlsGuardException {}
    class PolicyException extends TlsGuardException {}
    class HttpException extends TlsGuardException {}
    /**
     * Code HTTP_STATUS: a 4xx/5xx response under http_errors (on by default, as Guzzle's). Named
     * in TlsGuard\ so they do not clash with the PSR-18 adapter's TlsGuard\Psr18\ClientException.
     */
    class BadResponseException extends HttpException
    {
        protected $response = null;
        /** @return Response the response (its body unread for 'stream' => true) */
        public function getResponse(): mixed {}
    }
    /** A 4xx response (Guzzle's ClientException). */
    class ClientException extends BadResponseException {}
    /** A 5xx response (Guzzle's ServerException). */
    class ServerException extends BadResponseException {}
    /** Category invalid_input: INVALID_URL, INVALID_ARGUMENT, INVALID_PEM, IO. */
    class InvalidArgumentException extends TlsGuardException {}
    /** Category internal: INTERNAL, a bug in tlsguard (a Rust panic) caught at the boundary, or a thread or runtime the OS would not start. */
    class InternalException extends TlsGuardException {}

    /** A cookie jar (RFC 6265); clients given the same jar ('cookies' => $jar) share its cookies. */
    class CookieJar
    {
        /** @param list<array<string, mixed>>|null $cookies what toArray() returned */
        public function __construct(mixed $cookies = null) {}
        /** @return list<array{name: string, value: string, domain: string, path: string, host_only: bool, secure: bool, http_only: bool, same_site: ?string, expires: ?int}> */
        public function toArray(): mixed {}
        public function count(): int {}
        public function clear(): void {}
    }

    /** A parsed X.509 certificate (read-only). */
    /**
     * A prepared chain verifier: the trust loaded once, then verify() per chain.
     * @param array{purpose?: 'server'|'client', max_chain_depth?: int, fetch_missing_intermediates?: bool,
     *   aia_allow_private?: bool, roots?: string, ca_file?: string|list<string>, ca_pem?: string|list<string>,
     *   pins?: list<string>, crls?: list<string>, use_env?: bool}|null $options verify_chain()'s, without hostname and at
     */
    class Verifier
    {
        /** @throws InvalidArgumentException bad options or trust (INVALID_ARGUMENT, IO, INVALID_PEM) */
        public function __construct(?array $options = null) {}
        /**
         * verify_chain()'s report for $chain (leaf first) for $hostname (not checked when null) at $at (Unix seconds; default now).
         * @return array{ok: bool, error: ?TlsGuardException, path: list<Certificate>, presented: list<Certificate>, at: int, warnings: list<string>}
         * @throws InvalidArgumentException bad input (INVALID_PEM, INVALID_ARGUMENT)
         */
        public function verify(string $chain, ?string $hostname = null, ?int $at = null): mixed {}
    }

    class Certificate
    {
        public function __construct() {}
        public static function fromPem(string $pem): Certificate {}
        public static function fromDer(string $der): Certificate {}
        public function getSubject(): string {}
        public function getIssuer(): string {}
        public function getSubjectCn(): ?string {}
        public function getIssuerCn(): ?string {}
        public function getSerial(): string {}
        /** @return \DateTimeImmutable */
        public function getNotBefore(): mixed {}
        /** @return \DateTimeImmutable */
        public function getNotAfter(): mixed {}
        public function getNotBeforeTimestamp(): int {}
        public function getNotAfterTimestamp(): int {}
        public function daysRemaining(?int $now = null): int {}
        /** @return list<string> */
        public function getDnsNames(): array {}
        /** @return list<string> */
        public function getIpAddresses(): array {}
        /** @return list<string> */
        public function getEmails(): array {}
        public function isCa(): bool {}
        public function isSelfSigned(): bool {}
        /** @return list<string> */
        public function getKeyUsage(): array {}
        /** @return list<string> */
        public function getExtendedKeyUsage(): array {}
        public function getKeyType(): string {}
        public function getKeyBits(): int {}
        public function getCurve(): ?string {}
        public function getSignatureAlgorithm(): string {}
        public function getFingerprintSha256(): string {}
        /** sha256/<base64>, the format of the `pins` option. */
        public function getSpkiPin(): string {}
        /** @return list<string> */
        public function getOcspUrls(): array {}
        /** @return list<string> */
        public function getCaIssuerUrls(): array {}
        /** @return list<string> */
        public function getCrlUrls(): array {}
        public function getDisplayName(): string {}
        public function toPem(): string {}
        /** @return string binary DER */
        public function toDer(): mixed {}
        /** @return array<string, mixed> every field, times as Unix seconds */
        public function toArray(): mixed {}
        public function __toString(): string {}
    }

    /** An HTTPS client: TLS 1.2+, verification always on. Keep it alive to reuse connections. */
    class Client
    {
        /**
         * @param array{roots?: 'mozilla'|'system'|'mozilla+system'|'none', ca_file?: string|list<string>, ca_pem?: string|list<string>,
         *   pins?: list<string>, client_cert?: string, client_key?: string, client_key_password?: string, crls?: list<string>,
         *   min_tls?: '1.2'|'1.3', timeout?: float, connect_timeout?: float, max_redirects?: int, allow_http?: bool, proxy?: string,
         *   headers?: array<string, string|list<string>>, fetch_missing_intermediates?: bool, aia_allow_private?: bool, http2?: bool, keep_alive?: bool, max_response_bytes?: int,
         *   use_env?: bool, sensitive_headers?: list<string>, read_timeout?: float, retries?: int|array, base_url?: string, query?: array,
         *   cookies?: bool|list<array<string, mixed>>|CookieJar, auth?: array|false, max_connections_per_host?: int, pool_wait_timeout?: float,
         *   resolve?: array<string, string|list<string>>,
         *   base_uri?: string|\Stringable, auth_bearer?: string, http_errors?: bool, decode_content?: bool|string,
         *   allow_redirects?: bool|array{max?: int, protocols?: list<string>, strict?: false, referer?: false, track_redirects?: false}}|null $options
         *   Guzzle's names: base_uri (= base_url), auth as [user, password] (Basic), auth_bearer, http_errors
         *   (default true), decode_content (= decompress, for every request), allow_redirects (false: every 3xx
         *   returned; ['max' => N] = max_redirects). verify, cert and ssl_key are refused with the option to use.
         */
        public function __construct(?array $options = null) {}
        /** @return list<array<string, mixed>>|null the cookie jar's cookies (CookieJar::toArray()'s shape), null without a jar */
        public function getCookies(): mixed {}
        /**
         * @param array{headers?: array<string, string|list<string>>, query?: array<string, scalar|list<scalar>>, json?: mixed,
         *   body?: string, form_params?: array<string, scalar>, file?: string,
         *   multipart?: list<array{name: string, value?: string, file?: string, filename?: string, content_type?: string}>,
         *   timeout?: float, read_timeout?: float, redirect?: 'follow'|'error'|'manual', decompress?: bool,
         *   max_response_bytes?: int, sink?: string|resource, stream?: bool, retries?: int|array, auth?: array|false,
         *   auth_bearer?: string, proxy?: string, http_errors?: bool, decode_content?: bool|string, allow_redirects?: bool|array}|null $options
         *   sink: the body streamed to this path (created or truncated) or stream resource, in bounded memory;
         *   the response's body is then the sink, rewound. stream: the body is read as it arrives through getBody().
         *   multipart parts also take Guzzle's contents (string, resource, PSR-7 stream; a local file is
         *   streamed from disk) and headers (Content-Type only).
         * @throws ClientException|ServerException a 4xx/5xx response, unless http_errors is false
         */
        public function request(string $method, string $url, ?array $options = null): Response {}
        public function get(string $url, ?array $options = null): Response {}
        public function head(string $url, ?array $options = null): Response {}
        public function post(string $url, ?array $options = null): Response {}
        public function put(string $url, ?array $options = null): Response {}
        public function patch(string $url, ?array $options = null): Response {}
        public function delete(string $url, ?array $options = null): Response {}
        /**
         * Concurrent requests, results in order; a failed request's slot holds its exception.
         * @param list<array{0: string, 1: string, 2?: array}> $requests
         * @return list<Response|TlsGuardException>
         */
        public function requestMany(array $requests, ?int $concurrency = null): mixed {}
        /**
         * Returns once the headers have arrived; the body is read with read() as it comes
         * (decoded), under the client's read_timeout.
         * @param array<string, mixed>|null $options the same request options as request()
         */
        public function stream(string $method, string $url, ?array $options = null): StreamedResponse {}
        /** @return array<string, mixed> the same shape as trust_report() */
        public function trustReport(): mixed {}
    }

    /** A response whose body is read as it arrives (Client::stream()). */
    class StreamedResponse
    {
        public function __construct() {}
        public function getStatusCode(): int {}
        public function getReasonPhrase(): string {}
        /** @return array<string, list<string>> */
        public function getHeaders(): mixed {}
        public function getHeaderLine(string $name): string {}
        public function getEffectiveUrl(): string {}
        public function getHttpVersion(): string {}
        /** Whether tlsguard decodes the body from its Content-Encoding (every coding one it decodes; said of the headers, so HEAD too). The headers are kept as received. */
        public function isBodyDecoded(): bool {}
        /** The body as a Stream (not seekable), sharing its position with read(). */
        public function getBody(): Stream {}
        /** Up to $length bytes (default 65536); '' at the end. */
        public function read(?int $length = null): string {}
        public function eof(): bool {}
        /** The rest of the body. */
        public function getContents(): string {}
        /** Stops reading (the connection is closed unless the body was read to its end). */
        public function close(): void {}
    }

    /**
     * A response body, with the method names of Psr\Http\Message\StreamInterface (the Composer
     * package wraps it where the PSR type is required). Buffered bodies and sinks seek; a body
     * read as it arrives ('stream' => true, Client::stream()) does not. Reading a streamed body
     * can throw tlsguard exceptions (TimeoutException naming read_timeout, ...); misuse (seek on a
     * streamed body, a detached stream, write()) throws \RuntimeException.
     */
    class Stream
    {
        public function __construct() {}
        /** The whole body from its start (a streamed body: the rest). */
        public function __toString(): string {}
        /** The rest of the body. */
        public function getContents(): string {}
        /** Up to $length bytes; '' at the end. */
        public function read(int $length): string {}
        public function eof(): bool {}
        /** Bytes, or null when unknown (a streamed body). */
        public function getSize(): ?int {}
        public function tell(): int {}
        public function isSeekable(): bool {}
        /** @param int|null $whence SEEK_SET (default), SEEK_CUR or SEEK_END */
        public function seek(int $offset, ?int $whence = null): void {}
        public function rewind(): void {}
        /** Always false. */
        public function isWritable(): bool {}
        /** Always throws \RuntimeException. */
        public function write(string $string): int {}
        public function isReadable(): bool {}
        /** Closes it (a sink resource is fclose()d; a streamed body's connection is closed unless read to its end). */
        public function close(): void {}
        /** @return resource|null the sink resource, if any; the stream is unusable afterwards */
        public function detach(): mixed {}
        /** @return mixed stream_get_meta_data() of a sink resource; otherwise seekable, mode, eof, wrapper_type (and uri for a sink path); with $key that entry or null */
        public function getMetadata(?string $key = null): mixed {}
    }

    /** A response: its head, and the (decoded) body as a Stream. */
    class Response
    {
        public function __construct() {}
        public function getStatusCode(): int {}
        public function getReasonPhrase(): string {}
        /** "1.1" or "2". */
        public function getProtocolVersion(): string {}
        /** @return array<string, list<string>> */
        public function getHeaders(): mixed {}
        /** @return list<string> */
        public function getHeader(string $name): array {}
        public function getHeaderLine(string $name): string {}
        public function hasHeader(string $name): bool {}
        /** The body: buffered (seekable), read as it arrives ('stream' => true), or the sink. Every call reads the same body. */
        public function getBody(): Stream {}
        /** The body parsed as JSON (objects as arrays; a streamed body from where it was read to). @throws HttpException */
        public function json(): mixed {}
        public function getEffectiveUrl(): string {}
        public function getRedirectCount(): int {}
        public function getHttpVersion(): string {}
        /** Whether tlsguard decodes the body from its Content-Encoding (every coding one it decodes; said of the headers, so HEAD too). The headers are kept as received. */
        public function isBodyDecoded(): bool {}
        public function getTlsVersion(): ?string {}
        public function getCipherSuite(): ?string {}
        public function getAlpn(): ?string {}
        /** @return list<string> */
        public function getWarnings(): array {}
        /** @return list<Certificate> */
        public function getPeerCertificates(): mixed {}
        /** Seconds to the whole body (a streamed or sunk body: to the headers). */
        public function getElapsed(): float {}
    }
}
