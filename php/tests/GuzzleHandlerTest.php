<?php
declare(strict_types=1);

namespace TlsGuard\Tests;

use GuzzleHttp\Client as Guzzle;
use GuzzleHttp\Cookie\CookieJar;
use GuzzleHttp\Exception\ClientException;
use GuzzleHttp\Exception\ConnectException;
use GuzzleHttp\Exception\RequestException;
use GuzzleHttp\Exception\ServerException;
use GuzzleHttp\Exception\TooManyRedirectsException;
use GuzzleHttp\Handler\CurlHandler;
use GuzzleHttp\HandlerStack;
use GuzzleHttp\Middleware;
use GuzzleHttp\Promise\Utils;
use GuzzleHttp\TransferStats;
use PHPUnit\Framework\TestCase;
use Psr\Http\Message\ResponseInterface;
use TlsGuard\Guzzle\Handler;
use TlsGuard\TlsGuardException;

/**
 * Issue 18 item 3: TlsGuard\Guzzle\Handler under Guzzle's own Client (every middleware of
 * HandlerStack::create()): the kit's scenarios, Guzzle's retry, redirect, cookie and
 * http_errors middleware through it, the handler-level options, async, and a differential run
 * against Guzzle's CurlHandler (differences deliberate, listed in php/README.md).
 */
final class GuzzleHandlerTest extends TestCase
{
    protected function setUp(): void
    {
        if (!class_exists(Guzzle::class)) {
            $this->markTestSkipped('apt-get install php-guzzlehttp-guzzle');
        }
    }

    private static function base(): string
    {
        return rtrim(Kit::get()->scenario('good')['url'], '/');
    }

    private static function trust(): array
    {
        return Kit::get()->scenario('good')['options'];
    }

    /** Guzzle's Client over the tlsguard handler; $stack receives the stack for extra middleware. */
    private static function ours(array $options = [], array $handler = [], ?HandlerStack &$stack = null): Guzzle
    {
        $stack = HandlerStack::create(new Handler(self::trust() + $handler));
        return new Guzzle($options + ['handler' => $stack]);
    }

    private static function curl(array $options = []): Guzzle
    {
        return new Guzzle($options + [
            'handler' => HandlerStack::create(new CurlHandler()),
            'verify' => Kit::get()->pki('root_ca'),
            'version' => '1.1',
        ]);
    }

    public static function scenarios(): iterable
    {
        foreach (Kit::get()->manifest['scenarios'] as $s) {
            yield $s['name'] => [$s];
        }
    }

    /**
     * Every scenario through Guzzle's Client and the handler: the same status, or the
     * scenario's code as the previous of Guzzle's ConnectException (failures before a response)
     * or RequestException. Redirects are Guzzle's: a loop ends in its TooManyRedirectsException,
     * a downgrade to http is the handler's INSECURE_URL on the http hop (README).
     * @dataProvider scenarios
     */
    public function testScenarioThroughGuzzle(array $s): void
    {
        $expect = $s['expect'];
        $handlerOptions = $s['options'];
        $request = ['headers' => $s['request']['headers'] ?? []];
        if (isset($s['request']['body'])) {
            $request['body'] = $s['request']['body'];
        }
        if (isset($handlerOptions['max_redirects'])) {
            $request['allow_redirects'] = ['max' => $handlerOptions['max_redirects']];
        }
        $stats = [];
        $request['on_stats'] = function (TransferStats $t) use (&$stats): void {
            $stats[] = $t;
        };
        $stack = HandlerStack::create(new Handler($handlerOptions));
        $guzzle = new Guzzle(['handler' => $stack]);
        $started = hrtime(true);
        try {
            $r = $guzzle->request($s['method'], $s['url'], $request);
        } catch (TooManyRedirectsException $e) {
            $this->assertSame('TOO_MANY_REDIRECTS', $expect['code'], "{$s['name']}: {$e->getMessage()}");
            return;
        } catch (RequestException|ConnectException $e) {
            $previous = $e->getPrevious();
            $this->assertInstanceOf(TlsGuardException::class, $previous, "{$s['name']}: {$e->getMessage()}");
            $code = $previous->getErrorCode();
            $want = $expect['code'] === 'HTTP_DOWNGRADE' ? 'INSECURE_URL' : $expect['code'];
            $this->assertSame($want, $code, "{$s['name']}: {$e->getMessage()}");
            $connect = in_array($previous->getCategory(), ['network', 'timeout', 'tls', 'certificate'], true);
            $this->assertSame($connect ? ConnectException::class : RequestException::class, get_class($e), $s['name']);
            $this->assertSame($code, $e->getHandlerContext()['tlsguard_code']);
            $this->assertSame($previous->getMessage(), $e->getMessage());
            foreach ($expect['message_contains'] as $fact) {
                $this->assertStringContainsString($fact, $e->getMessage(), $s['name']);
            }
            $this->assertNull(end($stats)->getResponse(), 'on_stats is told of the failure');
            $this->assertSame($e, end($stats)->getHandlerErrorData());
            if (isset($expect['max_seconds'])) {
                $this->assertLessThanOrEqual($expect['max_seconds'], (hrtime(true) - $started) / 1e9, $s['name']);
                $next = $guzzle->get(Kit::get()->manifest['servers']['good'] . '/');
                $this->assertSame(200, $next->getStatusCode(), "{$s['name']}: the next request");
            }
            return;
        }
        $this->assertNull($expect['code'], "{$s['name']}: expected {$expect['code']}, got status {$r->getStatusCode()}");
        if ($expect['status'] !== null) {
            $this->assertSame($expect['status'], $r->getStatusCode(), $s['name']);
        }
        foreach ($expect['body_contains'] as $fact) {
            $this->assertStringContainsString($fact, (string) $r->getBody(), $s['name']);
        }
        $facts = end($stats)->getHandlerStats();
        if ($expect['http_version'] !== null) {
            $this->assertSame($expect['http_version'], $facts['http_version'], $s['name']);
        }
        if ($expect['tls_version'] !== null) {
            $this->assertSame($expect['tls_version'], $facts['tls_version'], $s['name']);
        }
    }

    /** The one line at the top of php/README.md works as written. */
    public function testReadmeOneLineSwitch(): void
    {
        $readme = (string) file_get_contents(dirname(__DIR__) . '/README.md');
        $this->assertSame(1, preg_match('/## Under Guzzle: one line.*?```php\n(.*?)```/s', $readme, $m));
        $code = str_replace("'/etc/ssl/my-ca.pem'", var_export(Kit::get()->pki('root_ca'), true), $m[1]);
        $client = null;
        eval($code . ' return null;');
        $this->assertInstanceOf(Guzzle::class, $client);
        $this->assertSame('hello from tlsguard-testkit' . "\n", (string) $client->get(self::base() . '/')->getBody());
    }

    /** TlsGuard\Psr7\Stream: a native body as a real PSR-7 stream, nothing copied. */
    public function testPsr7StreamWrapsNativeBodies(): void
    {
        $client = new \TlsGuard\Client(self::trust());
        $native = $client->get(self::base() . '/json')->getBody();
        $s = new \TlsGuard\Psr7\Stream($native);
        $this->assertInstanceOf(\Psr\Http\Message\StreamInterface::class, $s);
        $this->assertSame($native, $s->getNative());
        $this->assertSame([23, true, true, false], [$s->getSize(), $s->isSeekable(), $s->isReadable(), $s->isWritable()]);
        $this->assertSame('{"hello"', $s->read(8));
        $this->assertSame(8, $native->tell(), 'the same position as the native body');
        $s->seek(-3, SEEK_END);
        $this->assertSame([':1}', true], [$s->getContents(), $s->eof()]);
        $this->assertSame('{"hello":"world","n":1}', (string) $s);
        $this->assertSame('tlsguard', $s->getMetadata('wrapper_type'));
        $this->assertSame(\GuzzleHttp\Psr7\Utils::copyToString($s), '', 'at the end after __toString');
        try {
            $s->write('x');
            $this->fail('write');
        } catch (\RuntimeException $e) {
            $this->assertStringContainsString('not writable', $e->getMessage());
        }
        // A streamed body: not seekable; a tlsguard failure while reading is PSR-7's RuntimeException.
        $s = new \TlsGuard\Psr7\Stream($client->get(self::base() . '/stall-body', ['stream' => true, 'read_timeout' => 0.3])->getBody());
        $this->assertSame([false, null], [$s->isSeekable(), $s->getSize()]);
        try {
            while (!$s->eof()) {
                $s->read(1024);
            }
            $this->fail('a stalled body');
        } catch (\RuntimeException $e) {
            $this->assertInstanceOf(\TlsGuard\TimeoutException::class, $e->getPrevious());
        }
        $this->assertSame('', (string) $s, '__toString never throws (PSR-7)');
        $s->close();
        $this->assertFalse($s->isReadable());
    }

    public function testRetryMiddlewareRetriesThroughTheHandler(): void
    {
        $calls = 0;
        $delays = [];
        $decider = function (int $retries, $request, ?ResponseInterface $response, ?\Throwable $e) use (&$calls): bool {
            $calls++;
            return $retries < 3 && ($e instanceof ConnectException || ($response !== null && $response->getStatusCode() >= 500));
        };
        $guzzle = self::ours([], [], $stack);
        $stack->push(Middleware::retry($decider, fn (int $n) => 10 * $n));
        $seen = [];
        $key = 'guzzle-' . getmypid() . '-' . hrtime(true);
        $r = $guzzle->get(self::base() . "/flaky?key=$key&fail=2", ['on_stats' => function (TransferStats $t) use (&$seen): void {
            $seen[] = $t->getResponse()?->getStatusCode();
        }]);
        $this->assertSame([200, 'attempt 3'], [$r->getStatusCode(), (string) $r->getBody()]);
        $this->assertSame([503, 503, 200], $seen, 'three sends through the handler');
        $this->assertSame(3, $calls);
        // Connect failures are ConnectException, retried as Guzzle users expect, with the delay.
        $calls = 0;
        $started = microtime(true);
        try {
            $guzzle->get(Kit::get()->scenario('connect_refused')['url']);
            $this->fail('connect refused');
        } catch (ConnectException $e) {
            $this->assertSame('CONNECT', $e->getPrevious()->getErrorCode());
            $this->assertSame('CONNECT', $e->getHandlerContext()['tlsguard_code']);
        }
        $this->assertSame(4, $calls, 'three retries, then the failure');
        $this->assertGreaterThanOrEqual(0.06, microtime(true) - $started, 'delay: 10 + 20 + 30 ms honoured');
    }

    public function testRedirectsAreGuzzles(): void
    {
        $history = [];
        $guzzle = self::ours([], [], $stack);
        $stack->push(Middleware::history($history));
        $r = $guzzle->get(self::base() . '/redirect/3', ['allow_redirects' => ['track_redirects' => true]]);
        $this->assertSame(200, $r->getStatusCode());
        $this->assertSame('/echo', json_decode((string) $r->getBody(), true)['path']);
        $this->assertCount(4, $history, 'the handler returned each 302; Guzzle followed');
        $this->assertSame(302, $history[0]['response']->getStatusCode());
        $this->assertSame(['/redirect/2', '/redirect/1', '/echo'], array_map(fn ($u) => parse_url($u, PHP_URL_PATH), $r->getHeader('X-Guzzle-Redirect-History')));
        // As the curl handler under the same middleware: 303 turns POST into GET, 307 resends the body.
        foreach ([['POST', '/redirect/303', ['body' => 'x=1']], ['POST', '/redirect/307-upload', ['body' => str_repeat('a', 5000)]]] as [$method, $path, $o]) {
            $theirs = self::curl()->request($method, self::base() . $path, $o);
            $ours = self::ours()->request($method, self::base() . $path, $o);
            $this->assertSame($theirs->getStatusCode(), $ours->getStatusCode(), $path);
            $this->assertSame(self::body($theirs), self::body($ours), $path);
        }
        $r = self::ours()->get(self::base() . '/redirect/1', ['allow_redirects' => false]);
        $this->assertSame([302, '/echo'], [$r->getStatusCode(), $r->getHeaderLine('Location')]);
        $this->expectException(TooManyRedirectsException::class);
        self::ours()->get(self::base() . '/redirect/loop');
    }

    public function testCookiesThroughGuzzlesCookieJar(): void
    {
        $results = [];
        foreach (['curl' => self::curl(['cookies' => true]), 'ours' => self::ours(['cookies' => true])] as $name => $guzzle) {
            $guzzle->get(self::base() . '/set-cookie?c=' . rawurlencode('a=1; Path=/') . '&c=' . rawurlencode('b=2; Path=/echo'));
            $guzzle->get(self::base() . '/set-cookie?c=' . rawurlencode('c=3') . '&redirect=' . rawurlencode('/echo'));
            $echo = json_decode((string) $guzzle->get(self::base() . '/echo')->getBody(), true);
            $jar = $guzzle->getConfig('cookies');
            $this->assertInstanceOf(CookieJar::class, $jar);
            $results[$name] = [$echo['headers']['cookie'] ?? null, array_map(fn ($c) => [$c['Name'], $c['Value']], $jar->toArray())];
        }
        $this->assertSame($results['curl'], $results['ours']);
        $this->assertNotNull($results['ours'][0]);
    }

    public function testHttpErrorsAreGuzzles(): void
    {
        foreach ([404 => ClientException::class, 500 => ServerException::class] as $status => $class) {
            try {
                self::ours()->get(self::base() . "/status/$status");
                $this->fail("$status");
            } catch (RequestException $e) {
                $this->assertSame($class, get_class($e));
                $this->assertSame($status, $e->getResponse()->getStatusCode());
                $this->assertSame("status $status\n", (string) $e->getResponse()->getBody());
                $this->assertSame($status, $e->getCode());
            }
            $this->assertSame($status, self::ours()->get(self::base() . "/status/$status", ['http_errors' => false])->getStatusCode());
        }
    }

    public function testTlsOptionsAreRefusedNamingTheHandlersOptions(): void
    {
        $this->assertSame(200, self::ours()->get(self::base() . '/', ['verify' => true])->getStatusCode(), 'verify => true (Guzzle\'s default)');
        $cases = [
            [['verify' => false], 'no off switch', "new TlsGuard\\Guzzle\\Handler(['ca_file' => ...])"],
            [['verify' => '/etc/ssl/my-ca.pem'], 'per handler', "new TlsGuard\\Guzzle\\Handler(['ca_file' => '/etc/ssl/my-ca.pem'])"],
            [['cert' => '/c.pem'], 'cert:', "'client_cert' =>"],
            [['ssl_key' => '/k.pem'], 'ssl_key:', "'client_key' =>"],
        ];
        foreach ($cases as [$options, $what, $points]) {
            try {
                self::ours()->get(self::base() . '/', $options);
                $this->fail(json_encode($options));
            } catch (RequestException $e) {
                $this->assertStringContainsString($what, $e->getMessage());
                $this->assertStringContainsString($points, $e->getMessage());
                $this->assertInstanceOf(\TlsGuard\InvalidArgumentException::class, $e->getPrevious());
                $this->assertSame('INVALID_ARGUMENT', $e->getPrevious()->getErrorCode());
                $this->assertNull($e->getResponse());
            }
        }
        // The handler's own options are the client's: a bad one throws where it is written.
        $this->expectException(\TlsGuard\InvalidArgumentException::class);
        new Handler(['verify' => false]);
    }

    public function testHandlerOptions(): void
    {
        $base = self::base();
        // sink: a path, a resource, a PSR-7 stream.
        $path = tempnam(sys_get_temp_dir(), 'tlsguard-sink');
        try {
            $r = self::ours()->get("$base/stream?bytes=100000", ['sink' => $path]);
            $this->assertSame(100000, filesize($path));
            $this->assertSame(100000, $r->getBody()->getSize());
            $this->assertSame(chr(0) . chr(1), $r->getBody()->read(2), 'the body is the sink, rewound');
        } finally {
            unlink($path);
        }
        $res = fopen('php://temp', 'w+');
        $r = self::ours()->get("$base/json", ['sink' => $res]);
        rewind($res);
        $this->assertSame('{"hello":"world","n":1}', stream_get_contents($res));
        $psr = \GuzzleHttp\Psr7\Utils::streamFor(fopen('php://temp', 'w+'));
        $r = self::ours()->get("$base/json", ['sink' => $psr]);
        $this->assertSame($psr, $r->getBody());
        $this->assertSame('{"hello":"world","n":1}', (string) $r->getBody());
        // stream => true: read as it arrives, not seekable, no size.
        $r = self::ours()->get("$base/stream?bytes=300000", ['stream' => true]);
        $body = $r->getBody();
        $this->assertInstanceOf(\Psr\Http\Message\StreamInterface::class, $body);
        $this->assertInstanceOf(\TlsGuard\Psr7\Stream::class, $body);
        $this->assertSame([false, null], [$body->isSeekable(), $body->getSize()]);
        $n = 0;
        while (!$body->eof()) {
            $n += strlen($body->read(65536));
        }
        $this->assertSame(300000, $n);
        // on_headers before the body; a throw rejects with Guzzle's message.
        $seen = null;
        self::ours()->get("$base/json", ['on_headers' => function (ResponseInterface $r) use (&$seen): void {
            $seen = $r->getStatusCode();
        }]);
        $this->assertSame(200, $seen);
        try {
            self::ours()->get("$base/json", ['on_headers' => fn () => throw new \DomainException('no')]);
            $this->fail('on_headers');
        } catch (RequestException $e) {
            $this->assertSame('An error was encountered during the on_headers event', $e->getMessage());
            $this->assertInstanceOf(\DomainException::class, $e->getPrevious());
            $this->assertSame(200, $e->getResponse()->getStatusCode());
        }
        // on_stats: the TLS facts.
        $stats = null;
        self::ours()->get("$base/", ['on_stats' => function (TransferStats $t) use (&$stats): void {
            $stats = $t;
        }]);
        $this->assertSame("$base/", (string) $stats->getEffectiveUri());
        $this->assertSame(200, $stats->getResponse()->getStatusCode());
        $this->assertGreaterThan(0, $stats->getTransferTime());
        $this->assertContains($stats->getHandlerStat('tls_version'), ['TLSv1.2', 'TLSv1.3']);
        $this->assertNotEmpty($stats->getHandlerStat('cipher_suite'));
        // progress: buffered once at the end; streamed as it is read.
        $calls = [];
        self::ours()->post("$base/echo", ['body' => 'abc', 'progress' => function (...$a) use (&$calls): void {
            $calls[] = $a;
        }]);
        $this->assertCount(1, $calls);
        $this->assertSame([3, 3], array_slice($calls[0], 2));
        $calls = [];
        $body = self::ours()->get("$base/stream?bytes=1000", ['stream' => true, 'progress' => function (...$a) use (&$calls): void {
            $calls[] = $a;
        }])->getBody();
        $body->read(400);
        $body->getContents();
        $this->assertSame([[1000, 400, 0, 0], [1000, 1000, 0, 0]], $calls);
        // decode_content false: the server's bytes and headers, as curl.
        $theirs = self::curl()->get("$base/gzip", ['decode_content' => false]);
        $ours = self::ours()->get("$base/gzip", ['decode_content' => false]);
        $this->assertSame((string) $theirs->getBody(), (string) $ours->getBody());
        $this->assertSame(['gzip', $theirs->getHeaderLine('Content-Length')], [$ours->getHeaderLine('Content-Encoding'), $ours->getHeaderLine('Content-Length')]);
        // timeout per request: a ConnectException naming the option, as curl's error 28.
        try {
            self::ours()->get("$base/slow", ['timeout' => 0.3]);
            $this->fail('timeout');
        } catch (ConnectException $e) {
            $this->assertSame('TIMEOUT', $e->getPrevious()->getErrorCode());
            $this->assertStringContainsString('timeout', $e->getMessage());
        }
        // read_timeout on a streamed body: the stall surfaces from read() as PSR-7's RuntimeException.
        $body = self::ours()->get("$base/slow-body", ['stream' => true, 'read_timeout' => 0.3])->getBody();
        try {
            $body->getContents();
            $this->fail('read_timeout');
        } catch (\RuntimeException $e) {
            $this->assertSame('TIMEOUT', $e->getPrevious()->getErrorCode());
            $this->assertStringContainsString('read_timeout', $e->getMessage());
        }
        // connect_timeout per request (a client per value) and delay.
        $started = microtime(true);
        $r = self::ours()->get("$base/", ['connect_timeout' => 2.5, 'delay' => 150]);
        $this->assertSame(200, $r->getStatusCode());
        $this->assertGreaterThanOrEqual(0.15, microtime(true) - $started);
    }

    public function testAsyncPromisesAreLazyAndSentTogether(): void
    {
        $sent = 0;
        $guzzle = self::ours(['on_stats' => function () use (&$sent): void {
            $sent++;
        }]);
        $promises = [];
        for ($i = 0; $i < 4; $i++) {
            $promises[] = $guzzle->getAsync(self::base() . '/conn-slow');
        }
        $this->assertSame(0, $sent, 'nothing is sent before a wait');
        $started = microtime(true);
        $responses = Utils::unwrap($promises);
        $took = microtime(true) - $started;
        $this->assertSame(4, $sent);
        $this->assertCount(4, array_unique(array_map(fn ($r) => (string) $r->getBody(), $responses)), 'four connections at once');
        $this->assertLessThan(1.0, $took, 'concurrent: 4 x 300 ms in about 300 ms');
        // Failures reject their own promise only.
        $results = Utils::settle([
            $guzzle->getAsync(self::base() . '/json'),
            $guzzle->getAsync(Kit::get()->scenario('connect_refused')['url']),
            $guzzle->getAsync(self::base() . '/status/404'),
        ])->wait();
        $this->assertSame('fulfilled', $results[0]['state']);
        $this->assertInstanceOf(ConnectException::class, $results[1]['reason']);
        $this->assertInstanceOf(ClientException::class, $results[2]['reason']);
        // Guzzle's Pool (EachPromise) over the handler: 12 requests, 4 at a time, in order.
        $bodies = [];
        $requests = function () {
            for ($i = 0; $i < 12; $i++) {
                yield new \GuzzleHttp\Psr7\Request('GET', self::base() . "/echo?i=$i");
            }
        };
        (new \GuzzleHttp\Pool($guzzle, $requests(), ['concurrency' => 4, 'fulfilled' => function (ResponseInterface $r, int $i) use (&$bodies): void {
            $bodies[$i] = json_decode((string) $r->getBody(), true)['query'];
        }]))->promise()->wait();
        ksort($bodies);
        $this->assertSame(array_map(fn ($i) => "i=$i", range(0, 11)), $bodies);
        // A cancelled promise is never sent.
        $sent = 0;
        $p = $guzzle->getAsync(self::base() . '/json');
        $p->cancel();
        $guzzle->getAsync(self::base() . '/json')->wait();
        $this->assertSame(1, $sent);
    }

    /**
     * The same requests through Guzzle's CurlHandler and through the tlsguard handler: status,
     * reason, headers and body equal, but for the differences listed in php/README.md (the
     * Accept-Encoding tlsguard sends where curl sends none; the decoded Content-Length).
     */
    public function testDifferentialAgainstCurlHandler(): void
    {
        $base = self::base();
        $brotli = (curl_version()['features'] & CURL_VERSION_BROTLI) !== 0;
        $sink = sys_get_temp_dir() . '/tlsguard-diff-sink-' . getmypid();
        $matrix = [
            ['GET', '/echo', []],
            ['GET', '/echo', ['query' => ['a' => '1', 'b' => ['x', 'y']]]],
            ['GET', '/echo', ['headers' => ['X-Multi' => ['a', 'b'], 'X-One' => 'v']]],
            ['POST', '/echo', ['body' => 'raw body']],
            ['POST', '/echo', ['json' => ['k' => [1, 2]]]],
            ['POST', '/echo', ['form_params' => ['a' => '1', 'b' => 'two words']]],
            ['POST', '/echo', []],
            ['PUT', '/echo', ['body' => 'put']],
            ['PATCH', '/echo', ['body' => 'patch']],
            ['DELETE', '/echo', []],
            ['OPTIONS', '/echo', []],
            ['HEAD', '/json', []],
            ['HEAD', '/gzip', []],
            ['GET', '/status/204', []],
            ['GET', '/status/304', []],
            ['GET', '/status/404', ['http_errors' => false]],
            ['GET', '/status/503', ['http_errors' => false]],
            ['GET', '/headers', []],
            ['GET', '/json', []],
            ['GET', '/gzip', []],
            ['GET', '/deflate', []],
            ['GET', '/gzip', ['decode_content' => false]],
            ['GET', '/echo', ['decode_content' => 'gzip']],
            ['GET', '/echo', ['decode_content' => false]],
            ['GET', '/status/418', ['http_errors' => false]],
            ['GET', '/stream?bytes=70000', ['sink' => $sink]],
            ['GET', '/echo', ['headers' => ['Accept-Encoding' => 'br']]],
            ['GET', '/chunked', []],
            ['GET', '/stream?bytes=70000', []],
            ['GET', '/redirect/2', []],
            ['GET', '/redirect/1', ['allow_redirects' => false]],
            ['POST', '/redirect/303', ['body' => 'x']],
            ['GET', '/redirect/cross-origin', ['headers' => ['Authorization' => 'Bearer t']]],
            ['GET', '/stream?bytes=5000', ['stream' => true]],
        ];
        if ($brotli) {
            $matrix[] = ['GET', '/br', []];
        }
        foreach ($matrix as [$method, $path, $options]) {
            $what = "$method $path " . json_encode($options);
            $theirs = self::curl()->request($method, $base . $path, $options);
            $ours = self::ours()->request($method, $base . $path, $options);
            $this->assertSame(
                [$theirs->getStatusCode(), $theirs->getReasonPhrase(), $theirs->getProtocolVersion()],
                [$ours->getStatusCode(), $ours->getReasonPhrase(), $ours->getProtocolVersion()],
                $what,
            );
            [$theirBody, $ourBody] = [self::body($theirs), self::body($ours)];
            [$theirHeaders, $ourHeaders] = [self::headers($theirs), self::headers($ours)];
            if (isset($ourHeaders['x-encoded-content-length'], $ourHeaders['content-length'])) {
                // Ours has the decoded length (as Guzzle's StreamHandler); curl's drops it.
                $this->assertSame([(string) strlen((string) $ours->getBody())], $ourHeaders['content-length'], $what);
                unset($ourHeaders['content-length']);
            }
            if (is_array($ourBody)) {
                // An echo's length counts the request headers that differ.
                unset($theirHeaders['content-length'], $ourHeaders['content-length']);
            }
            $this->assertSame($theirHeaders, $ourHeaders, $what);
            $this->assertSame($theirBody, $ourBody, $what);
        }
        @unlink($sink);
    }

    /** Response headers by lowercase name, Date left out. */
    private static function headers(ResponseInterface $r): array
    {
        $h = [];
        foreach ($r->getHeaders() as $name => $values) {
            $h[strtolower($name)] = array_map('strval', $values);
        }
        unset($h['date']);
        ksort($h);
        return $h;
    }

    /** The body; an /echo body without the Accept-Encoding tlsguard sends where Guzzle's curl sends none (README). */
    private static function body(ResponseInterface $r): mixed
    {
        $body = (string) $r->getBody();
        $json = json_decode($body, true);
        if (!is_array($json) || !isset($json['headers'])) {
            return $body;
        }
        if (!isset($json['headers']['accept-encoding']) || $json['headers']['accept-encoding'] === ['gzip, deflate, br, zstd']) {
            unset($json['headers']['accept-encoding']); // the core's own (curl's: none)
        }
        return $json;
    }

    /**
     * 256 MiB through Guzzle's Client and the handler with 'stream' => true and with a 'sink'
     * path, each in a fresh PHP process whose memory_get_peak_usage(true) stays under 16 MiB.
     */
    public function testBigDownloadsThroughGuzzleInBoundedMemory(): void
    {
        $total = 256 << 20;
        $sink = sys_get_temp_dir() . '/tlsguard-guzzle-sink-' . getmypid();
        $script = <<<'PHP'
            foreach (['Psr/Http/Message/autoload.php', 'Psr/Http/Client/autoload.php', 'GuzzleHttp/autoload.php'] as $f) { require_once "/usr/share/php/$f"; }
            spl_autoload_register(function ($c) use ($argv) {
                foreach (['TlsGuard\\Guzzle\\' => 'Guzzle/', 'TlsGuard\\Psr7\\' => 'Psr7/', 'TlsGuard\\Psr18\\' => 'Psr18/'] as $p => $d) {
                    if (str_starts_with($c, $p)) { require $argv[4] . '/' . $d . str_replace('\\', '/', substr($c, strlen($p))) . '.php'; }
                }
            });
            [$mode, $url, $ca, , $sink] = array_slice($argv, 1);
            $guzzle = new GuzzleHttp\Client(['handler' => GuzzleHttp\HandlerStack::create(new TlsGuard\Guzzle\Handler(['roots' => 'none', 'ca_file' => $ca]))]);
            $seen = 0; $ok = true;
            if ($mode === 'stream') {
                $body = $guzzle->get($url, ['stream' => true])->getBody();
                while (!$body->eof()) {
                    $chunk = $body->read(1 << 20);
                    if ($chunk !== '' && ord($chunk[0]) !== $seen % 251) { $ok = false; }
                    $seen += strlen($chunk);
                }
            } else {
                $body = $guzzle->get($url, ['sink' => $sink])->getBody();
                $seen = filesize($sink);
                $body->seek($seen - 1);
                $ok = ord($body->read(1)) === ($seen - 1) % 251;
            }
            echo json_encode(['bytes' => $seen, 'ok' => $ok, 'peak' => memory_get_peak_usage(true)]);
            PHP;
        foreach (['stream', 'sink'] as $mode) {
            $php = tempnam(sys_get_temp_dir(), 'down') . '.php';
            file_put_contents($php, "<?php\n" . $script);
            try {
                $out = FeaturesTest::exec([PHP_BINARY, '-n', '-d', 'extension=' . FeaturesTest::extensionPath(), $php,
                    $mode, self::base() . "/stream?bytes=$total", Kit::get()->pki('root_ca'), dirname(__DIR__) . '/src', $sink]);
            } finally {
                unlink($php);
                @unlink($sink);
            }
            $v = json_decode($out, true);
            $this->assertIsArray($v, $out);
            $this->assertSame([$total, true], [$v['bytes'], $v['ok']], $mode);
            $this->assertLessThan(16 << 20, $v['peak'], "$mode: memory_get_peak_usage(true): $out");
        }
    }

    /**
     * 200 MiB of multipart upload from a file, through Guzzle's multipart option (a
     * MultipartStream: spooled to a temporary file, then streamed from disk) and through the
     * native client's multipart (streamed from the file), in a fresh PHP process whose
     * memory_get_peak_usage(true) stays under 16 MiB; the kit checks every byte.
     */
    public function testBigStreamedMultipartUploadInBoundedMemory(): void
    {
        $size = 200 << 20;
        $file = tempnam(sys_get_temp_dir(), 'tlsguard-up');
        $block = '';
        for ($i = 0; $i < 251 * 4096; $i++) {
            $block .= chr($i % 251);
        }
        $out = fopen($file, 'w');
        for ($written = 0; $written < $size; $written += strlen($chunk)) {
            $chunk = substr($block, 0, min(strlen($block), $size - $written));
            fwrite($out, $chunk);
        }
        fclose($out);
        unset($block);
        $script = <<<'PHP'
            foreach (['Psr/Http/Message/autoload.php', 'Psr/Http/Client/autoload.php', 'GuzzleHttp/autoload.php'] as $f) { require_once "/usr/share/php/$f"; }
            spl_autoload_register(function ($c) use ($argv) {
                foreach (['TlsGuard\\Guzzle\\' => 'Guzzle/', 'TlsGuard\\Psr7\\' => 'Psr7/', 'TlsGuard\\Psr18\\' => 'Psr18/'] as $p => $d) {
                    if (str_starts_with($c, $p)) { require $argv[4] . '/' . $d . str_replace('\\', '/', substr($c, strlen($p))) . '.php'; }
                }
            });
            [$mode, $url, $ca, , $file] = array_slice($argv, 1);
            if ($mode === 'guzzle') {
                $guzzle = new GuzzleHttp\Client(['handler' => GuzzleHttp\HandlerStack::create(new TlsGuard\Guzzle\Handler(['roots' => 'none', 'ca_file' => $ca]))]);
                $r = $guzzle->post($url, ['multipart' => [['name' => 'meta', 'contents' => 'm'], ['name' => 'file', 'contents' => fopen($file, 'r')]]]);
                $v = json_decode((string) $r->getBody(), true);
            } else {
                $client = new TlsGuard\Client(['roots' => 'none', 'ca_file' => $ca]);
                $v = $client->post($url, ['multipart' => [['name' => 'meta', 'contents' => 'm'], ['name' => 'file', 'contents' => fopen($file, 'r')]]])->json();
            }
            echo json_encode(['parts' => $v['parts'], 'peak' => memory_get_peak_usage(true)]);
            PHP;
        try {
            foreach (['guzzle', 'native'] as $mode) {
                $php = tempnam(sys_get_temp_dir(), 'up') . '.php';
                file_put_contents($php, "<?php\n" . $script);
                try {
                    $out = FeaturesTest::exec([PHP_BINARY, '-n', '-d', 'extension=' . FeaturesTest::extensionPath(), $php,
                        $mode, self::base() . '/upload', Kit::get()->pki('root_ca'), dirname(__DIR__) . '/src', $file]);
                } finally {
                    unlink($php);
                }
                $v = json_decode($out, true);
                $this->assertIsArray($v, $out);
                $this->assertSame(['meta', 'file'], array_column($v['parts'], 'name'), $mode);
                $this->assertSame([$size, true], [$v['parts'][1]['length'], $v['parts'][1]['pattern_ok']], "$mode: $out");
                $this->assertLessThan(16 << 20, $v['peak'], "$mode: memory_get_peak_usage(true): $out");
            }
        } finally {
            unlink($file);
        }
    }
}
