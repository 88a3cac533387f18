<?php
declare(strict_types=1);

namespace TlsGuard\Guzzle;

use GuzzleHttp\Exception\ConnectException;
use GuzzleHttp\Exception\RequestException;
use GuzzleHttp\Promise\Create;
use GuzzleHttp\Promise\Promise;
use GuzzleHttp\Promise\PromiseInterface;
use GuzzleHttp\Psr7\Response;
use GuzzleHttp\TransferStats;
use Psr\Http\Message\RequestInterface;
use Psr\Http\Message\ResponseInterface;
use Psr\Http\Message\StreamInterface;
use TlsGuard\Psr7\Stream;
use TlsGuard\TlsGuardException;

/**
 * A Guzzle 7 handler that sends over tlsguard:
 *
 *     new GuzzleHttp\Client(['handler' => GuzzleHttp\HandlerStack::create(new TlsGuard\Guzzle\Handler($options))]);
 *
 * keeps every middleware of Guzzle's stack (redirects, cookies, http_errors, retry, history).
 * `$options` are TlsGuard\Client's options (trust: `ca_file`, `ca_pem`, `roots`, `pins`, `crls`;
 * client certificates: `client_cert`, `client_key`, `client_key_password`; `timeout`,
 * `connect_timeout`, `read_timeout`, `http2`, `proxy`, `max_connections_per_host`, ...): TLS is
 * configured here, never per request. Guzzle's `verify` may only be true (its default);
 * `verify => false`, `verify => path`, `cert` and `ssl_key` are refused, naming the option of
 * this constructor to use.
 *
 * The handler follows no redirect and throws for no status (Guzzle's middleware do both); it
 * honours the handler-level request options `sink`, `stream`, `decode_content` (the core's
 * `decompress`), `timeout`, `connect_timeout`, `read_timeout`, `on_headers`, `on_stats`,
 * `progress`, `delay` and `proxy`.
 *
 * Promises are lazy: a request is sent when a promise is waited on, and waiting on one sends
 * every request still queued on this handler at once, concurrently, through the core's
 * requestMany() (those with `sink`, `stream`, `on_headers`, `progress` or `delay` one by one).
 *
 * Errors: a failure before a response (DNS, connect, TLS handshake and certificate
 * verification, timeouts) is Guzzle's ConnectException; any other (HTTP protocol errors, a
 * policy refusal, bad options) is RequestException. The tlsguard exception is getPrevious()
 * (getErrorCode(), getHint(), getDetail()), and getHandlerContext() has `tlsguard_code` and
 * `error`.
 */
final class Handler
{
    /** Bodies up to this size are sent from memory; larger ones not on disk are spooled to a temporary file. */
    public const MEMORY_BODY = 4 << 20;

    /** Failures before any response: ConnectException. */
    private const CONNECT_CATEGORIES = ['network', 'timeout', 'tls', 'certificate'];

    /** @var array<string, \TlsGuard\Client> one client per connect_timeout */
    private array $clients = [];

    /** @var array<int, array{0: RequestInterface, 1: array, 2: Promise}> */
    private array $queue = [];

    private int $next = 0;

    /** @param array<string, mixed> $options TlsGuard\Client's options */
    public function __construct(private array $options = [])
    {
        // Built now: a bad option throws here, where it was written.
        $this->client(null);
    }

    /** The client for a request's connect_timeout (0 or none: the constructor's or the core's default). */
    private function client(mixed $connectTimeout): \TlsGuard\Client
    {
        $key = is_numeric($connectTimeout) && $connectTimeout > 0 ? (string) (float) $connectTimeout : '';
        if (!isset($this->clients[$key])) {
            $options = $this->options;
            if ($key !== '') {
                $options['connect_timeout'] = (float) $key;
            }
            $this->clients[$key] = new \TlsGuard\Client($options);
        }
        return $this->clients[$key];
    }

    public function __invoke(RequestInterface $request, array $options): PromiseInterface
    {
        $refusal = self::refusal($request, $options);
        if ($refusal !== null) {
            return Create::rejectionFor($refusal);
        }
        $id = $this->next++;
        $promise = new Promise(
            function () use ($id): void {
                $this->flush($id);
            },
            function () use ($id): void {
                unset($this->queue[$id]);
            },
        );
        $this->queue[$id] = [$request, $options, $promise];
        return $promise;
    }

    /**
     * Guzzle's TLS options, which belong to the constructor here: the core's refusal of the
     * option (its explanation, code INVALID_ARGUMENT) is getPrevious().
     */
    private static function refusal(RequestInterface $request, array $options): ?RequestException
    {
        if (($options['verify'] ?? true) !== true) {
            $name = 'verify';
            $message = is_string($options['verify'])
                ? 'verify => path: tlsguard takes trust per handler, not per request: new TlsGuard\Guzzle\Handler([\'ca_file\' => ' . var_export($options['verify'], true) . '])'
                : 'verify => false: tlsguard has no off switch for certificate verification; trust your CA with new TlsGuard\Guzzle\Handler([\'ca_file\' => ...]), or a self-signed server by its key with [\'pins\' => [\'sha256/...\'], \'roots\' => \'none\']';
        } elseif (isset($options['cert']) || isset($options['ssl_key'])) {
            $name = isset($options['cert']) ? 'cert' : 'ssl_key';
            $message = "$name: a client certificate is given to the handler: new TlsGuard\\Guzzle\\Handler(['client_cert' => ..., 'client_key' => ..., 'client_key_password' => ...])";
        } else {
            return null;
        }
        $previous = null;
        try {
            new \TlsGuard\Client([$name => $options[$name]]);
        } catch (TlsGuardException $previous) {
        }
        $previous ??= \TlsGuard\error_from_code('INVALID_ARGUMENT', $message);
        return new RequestException($message, $request, null, $previous, ['tlsguard_code' => $previous->getErrorCode(), 'error' => $message]);
    }

    /** Sends the queued requests (the one waited on first). */
    private function flush(int $id): void
    {
        if (!isset($this->queue[$id])) {
            return;
        }
        $first = $this->queue[$id];
        unset($this->queue[$id]);
        $batch = [$id => $first];
        if (empty($first[1]['synchronous'])) {
            $batch += $this->queue;
            $this->queue = [];
        }
        // One requestMany per client for the plain ones, the others one by one.
        $groups = [];
        foreach ($batch as $k => [$request, $options, $promise]) {
            if (self::plain($options) && count($batch) > 1) {
                $groups[$this->clientKey($options)][$k] = $batch[$k];
            } else {
                $this->settle($promise, fn () => $this->transfer($request, $options));
            }
        }
        foreach ($groups as $entries) {
            $this->sendMany($entries);
        }
    }

    private function clientKey(array $options): string
    {
        $ct = $options['connect_timeout'] ?? null;
        return is_numeric($ct) && $ct > 0 ? (string) (float) $ct : '';
    }

    /** A request requestMany can carry: no body handling, no callbacks during the transfer, no delay. */
    private static function plain(array $options): bool
    {
        return !isset($options['sink']) && empty($options['stream']) && !isset($options['on_headers'])
            && !isset($options['progress']) && empty($options['delay']);
    }

    private function settle(Promise $promise, callable $f): void
    {
        try {
            $promise->resolve($f());
        } catch (\Throwable $e) {
            $promise->reject($e);
        }
    }

    /**
     * The native request options of a Guzzle request. `$keep` holds what must live until it is
     * sent (a spooled body's temporary file).
     */
    private static function native(RequestInterface $request, array $options, array &$keep): array
    {
        $headers = [];
        foreach ($request->getHeaders() as $name => $values) {
            // Host from the URL; the length and framing from the body; no 100-continue (as StreamHandler).
            if (in_array(strtolower((string) $name), ['host', 'content-length', 'transfer-encoding', 'expect'], true)) {
                continue;
            }
            $headers[(string) $name] = $values;
        }
        if (is_string($options['decode_content'] ?? null) && $options['decode_content'] !== '' && !$request->hasHeader('Accept-Encoding')) {
            // Guzzle: a string is the Accept-Encoding to send.
            $headers['Accept-Encoding'] = [$options['decode_content']];
        }
        $native = [
            'headers' => $headers,
            'http_errors' => false,
            'redirect' => 'manual',
            'decompress' => !empty($options['decode_content']),
        ];
        foreach (['timeout', 'read_timeout'] as $name) {
            if (isset($options[$name])) {
                $native[$name] = (float) $options[$name];
            }
        }
        $proxy = self::proxy($request, $options['proxy'] ?? null);
        if ($proxy !== null) {
            $native['proxy'] = $proxy;
        }
        self::body($request->getBody(), $native, $keep);
        return $native;
    }

    /** Guzzle's proxy: a URL, or ['http' => ..., 'https' => ..., 'no' => [hosts]]. */
    private static function proxy(RequestInterface $request, mixed $proxy): ?string
    {
        if (!is_array($proxy)) {
            return is_string($proxy) && $proxy !== '' ? $proxy : null;
        }
        $uri = $request->getUri();
        if (isset($proxy['no']) && \GuzzleHttp\Utils::isHostInNoProxy($uri->getHost(), (array) $proxy['no'])) {
            return null;
        }
        return $proxy[$uri->getScheme()] ?? null;
    }

    /**
     * The request body: a local file (read to its end) by its path, streamed from disk by the
     * core; a small body from memory; any other (a MultipartStream of files, a stream of
     * unknown size) copied in 64 KiB pieces to a temporary file and streamed from there, so
     * memory stays bounded.
     */
    private static function body(StreamInterface $body, array &$native, array &$keep): void
    {
        if ($body->isSeekable() && $body->tell() !== 0) {
            $body->rewind();
        }
        $size = $body->getSize();
        if ($size === 0) {
            return;
        }
        $uri = $body->getMetadata('uri');
        if (is_string($uri) && $body->getMetadata('wrapper_type') === 'plainfile' && is_file($uri)
            && $size !== null && $size === filesize($uri)) {
            $native['file'] = $uri;
            return;
        }
        if ($size !== null && $size <= self::MEMORY_BODY) {
            $native['body'] = (string) $body;
            return;
        }
        $tmp = tmpfile();
        while (!$body->eof()) {
            $chunk = $body->read(65536);
            if ($chunk === '') {
                break;
            }
            fwrite($tmp, $chunk);
        }
        fflush($tmp);
        if (ftell($tmp) === 0) {
            return;
        }
        $keep[] = $tmp;
        $native['file'] = stream_get_meta_data($tmp)['uri'];
    }

    /** Sends one request with every handler option. */
    private function transfer(RequestInterface $request, array $options): ResponseInterface
    {
        if (!empty($options['delay'])) {
            usleep((int) ($options['delay'] * 1000));
        }
        $started = microtime(true);
        $keep = [];
        $sinkStream = null;
        try {
            $native = self::native($request, $options, $keep);
            $sink = $options['sink'] ?? null;
            if ($sink instanceof StreamInterface) {
                $sinkStream = $sink;
                $native['stream'] = true; // copied into the PSR-7 sink below
            } elseif ($sink !== null) {
                $native['sink'] = $sink;
            } elseif (!empty($options['stream'])) {
                $native['stream'] = true;
            }
            $client = $this->client($options['connect_timeout'] ?? null);
            $r = $client->request($request->getMethod(), (string) $request->getUri(), $native);
        } catch (TlsGuardException $e) {
            throw $this->failed($request, $options, $started, $e);
        }
        $uploaded = isset($native['file']) ? (int) filesize($native['file']) : strlen($native['body'] ?? '');
        $keep = []; // a spooled body's temporary file is deleted
        $progress = $options['progress'] ?? null;
        $onRead = null;
        if ($progress !== null && !empty($native['stream']) && $sinkStream === null) {
            $total = (int) $r->getHeaderLine('content-length');
            $onRead = static fn (int $n) => $progress($total, $n, $uploaded, $uploaded);
        }
        $response = self::response($r, $options, new Stream($r->getBody(), $onRead));
        if (isset($options['on_headers'])) {
            try {
                ($options['on_headers'])($response);
            } catch (\Throwable $e) {
                $response->getBody()->close();
                $error = new RequestException('An error was encountered during the on_headers event', $request, $response, $e);
                self::stats($options, $request, $started, null, $error, []);
                throw $error;
            }
        }
        if ($sinkStream !== null) {
            try {
                $body = $response->getBody();
                while (!$body->eof()) {
                    $sinkStream->write($body->read(65536));
                }
            } catch (\RuntimeException $e) {
                throw $this->failed($request, $options, $started, $e->getPrevious() ?? $e);
            }
            if ($sinkStream->isSeekable()) {
                $sinkStream->rewind();
            }
            $response = $response->withBody($sinkStream);
        }
        if ($progress !== null && $onRead === null) {
            $size = $response->getBody()->getSize() ?? 0;
            $progress($size, $size, $uploaded, $uploaded);
        }
        self::stats($options, $request, $started, $response, null, self::facts($r));
        return $response;
    }

    /** Sends plain requests of one client concurrently. */
    private function sendMany(array $entries): void
    {
        $started = microtime(true);
        $specs = [];
        $keep = [];
        $ids = [];
        foreach ($entries as $k => [$request, $options, $promise]) {
            try {
                $specs[] = [$request->getMethod(), (string) $request->getUri(), self::native($request, $options, $keep)];
                $ids[] = $k;
            } catch (\Throwable $e) {
                $promise->reject($e);
            }
        }
        $first = $entries[array_key_first($entries)][1];
        try {
            $results = $this->client($first['connect_timeout'] ?? null)->requestMany($specs, 32);
        } catch (\Throwable $e) {
            foreach ($ids as $k) {
                $entries[$k][2]->reject($e instanceof TlsGuardException ? $this->failed($entries[$k][0], $entries[$k][1], $started, $e) : $e);
            }
            return;
        }
        foreach ($ids as $i => $k) {
            [$request, $options, $promise] = $entries[$k];
            $r = $results[$i];
            if ($r instanceof TlsGuardException) {
                $promise->reject($this->failed($request, $options, $started, $r));
                continue;
            }
            $response = self::response($r, $options, new Stream($r->getBody()));
            self::stats($options, $request, $started, $response, null, self::facts($r));
            $promise->resolve($response);
        }
    }

    /**
     * The PSR-7 response. A response whose Content-Encoding tlsguard decoded gets the headers
     * Guzzle's own handlers give a decoded body (EasyHandle::createResponse()): Content-Encoding
     * moved to x-encoded-content-encoding, Content-Length to x-encoded-content-length, and the
     * decoded length as Content-Length when known and not 0; so a downstream decoder does not
     * decode twice. A coding tlsguard does not decode is left as received.
     */
    private static function response(\TlsGuard\Response $r, array $options, Stream $body): ResponseInterface
    {
        $headers = $r->getHeaders();
        if (!empty($options['decode_content']) && $r->isBodyDecoded()) {
            $headers['x-encoded-content-encoding'] = $headers['content-encoding'];
            unset($headers['content-encoding']);
            if (isset($headers['content-length'])) {
                $headers['x-encoded-content-length'] = $headers['content-length'];
                $size = $body->getSize();
                if ($size) {
                    $headers['content-length'] = [(string) $size];
                } else {
                    unset($headers['content-length']);
                }
            }
        }
        return new Response($r->getStatusCode(), $headers, $body, $r->getProtocolVersion(), $r->getReasonPhrase());
    }

    /** The transfer's facts for TransferStats::getHandlerStats(). */
    private static function facts(\TlsGuard\Response $r): array
    {
        return [
            'url' => $r->getEffectiveUrl(),
            'http_code' => $r->getStatusCode(),
            'total_time' => $r->getElapsed(),
            'http_version' => $r->getHttpVersion(),
            'tls_version' => $r->getTlsVersion(),
            'cipher_suite' => $r->getCipherSuite(),
            'alpn' => $r->getAlpn(),
        ];
    }

    private static function stats(array $options, RequestInterface $request, float $started, ?ResponseInterface $response, ?\Throwable $error, array $facts): void
    {
        if (isset($options['on_stats'])) {
            ($options['on_stats'])(new TransferStats($request, $response, microtime(true) - $started, $error, $facts));
        }
    }

    /** Guzzle's exception for a tlsguard failure (reported to on_stats). */
    private function failed(RequestInterface $request, array $options, float $started, \Throwable $e): RequestException|ConnectException
    {
        if ($e instanceof TlsGuardException) {
            $context = ['tlsguard_code' => $e->getErrorCode(), 'error' => $e->getMessage()];
            $error = in_array($e->getCategory(), self::CONNECT_CATEGORIES, true)
                ? new ConnectException($e->getMessage(), $request, $e, $context)
                : new RequestException($e->getMessage(), $request, null, $e, $context);
        } else {
            $error = RequestException::wrapException($request, $e);
        }
        self::stats($options, $request, $started, null, $error, []);
        return $error;
    }
}
