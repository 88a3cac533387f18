<?php
declare(strict_types=1);

namespace TlsGuard\Tests;

use GuzzleHttp\Handler\CurlHandler;
use GuzzleHttp\HandlerStack;
use PHPUnit\Framework\TestCase;
use TlsGuard\Client;

/**
 * Issue 18 item 2: Guzzle's option names on the native client, each compared with Guzzle's
 * own Client over its CurlHandler on the same kit URLs (the oracle). The differences are
 * deliberate and listed in php/README.md ("Guzzle's names on the native client").
 */
final class HabitsTest extends TestCase
{
    protected function setUp(): void
    {
        if (!class_exists(\GuzzleHttp\Client::class)) {
            $this->markTestSkipped('apt-get install php-guzzlehttp-guzzle');
        }
    }

    private static function base(): string
    {
        return rtrim(Kit::get()->scenario('good')['url'], '/');
    }

    private static function ours(array $options = []): Client
    {
        return new Client(Kit::get()->scenario('good')['options'] + $options);
    }

    private static function guzzle(array $options = []): \GuzzleHttp\Client
    {
        return new \GuzzleHttp\Client($options + [
            'handler' => HandlerStack::create(new CurlHandler()),
            'verify' => Kit::get()->pki('root_ca'),
            'version' => '1.1',
        ]);
    }

    /** Runs $f and returns [short class name of what it threw or 'ok', its response or the exception's]. */
    private static function outcome(callable $f): array
    {
        try {
            return ['ok', $f()];
        } catch (\Throwable $e) {
            $class = substr(strrchr('\\' . get_class($e), '\\'), 1);
            return [$class, method_exists($e, 'getResponse') ? $e->getResponse() : $e];
        }
    }

    public function testHttpErrorsAsGuzzle(): void
    {
        foreach ([404 => 'ClientException', 418 => 'ClientException', 500 => 'ServerException', 503 => 'ServerException', 200 => 'ok', 302 => 'ok'] as $status => $class) {
            $url = self::base() . "/status/$status";
            [$theirClass, $theirs] = self::outcome(fn () => self::guzzle(['allow_redirects' => false])->get($url));
            [$ourClass, $ours] = self::outcome(fn () => self::ours()->get($url, ['allow_redirects' => false]));
            $this->assertSame([$class, $class], [$theirClass, $ourClass], "status $status");
            $this->assertSame($theirs->getStatusCode(), $ours->getStatusCode());
            $this->assertSame((string) $theirs->getBody(), (string) $ours->getBody(), 'the response keeps its body');
            // http_errors => false: the response, as Guzzle.
            $this->assertSame($status, self::guzzle()->get($url, ['http_errors' => false, 'allow_redirects' => false])->getStatusCode());
            $this->assertSame($status, self::ours()->get($url, ['http_errors' => false, 'allow_redirects' => false])->getStatusCode());
        }
        try {
            self::ours()->get(self::base() . '/status/404');
            $this->fail('404');
        } catch (\TlsGuard\ClientException $e) {
            $this->assertInstanceOf(\TlsGuard\BadResponseException::class, $e);
            $this->assertInstanceOf(\TlsGuard\HttpException::class, $e);
            $this->assertSame('HTTP_STATUS', $e->getErrorCode());
            $this->assertStringContainsString('404 Not Found (client error)', $e->getMessage());
            $this->assertSame(self::base() . '/status/404', $e->getUrl());
            $this->assertSame("status 404\n", $e->getResponse()->getBody()->getContents());
        }
        // The client's default, per request over it, streamed bodies, and requestMany's slots.
        $lenient = self::ours(['http_errors' => false]);
        $this->assertSame(500, $lenient->get(self::base() . '/status/500')->getStatusCode());
        $this->assertSame('ServerException', self::outcome(fn () => $lenient->get(self::base() . '/status/500', ['http_errors' => true]))[0]);
        [$class, $r] = self::outcome(fn () => self::ours()->get(self::base() . '/status/502', ['stream' => true]));
        $this->assertSame('ServerException', $class);
        $this->assertSame("status 502\n", $r->getBody()->getContents());
        $this->assertSame('ClientException', self::outcome(fn () => self::ours()->stream('GET', self::base() . '/status/404'))[0]);
        $many = self::ours()->requestMany([['GET', self::base() . '/status/404'], ['GET', self::base() . '/status/404', ['http_errors' => false]]]);
        $this->assertInstanceOf(\TlsGuard\ClientException::class, $many[0]);
        $this->assertSame(404, $many[0]->getResponse()->getStatusCode());
        $this->assertInstanceOf(\TlsGuard\Response::class, $many[1]);
    }

    public function testBaseUriResolvesAsGuzzle(): void
    {
        foreach (['b?x=1', '/echo/c', '../d', '', '?q=2'] as $relative) {
            $theirs = json_decode((string) self::guzzle(['base_uri' => self::base() . '/echo/a/'])->get($relative)->getBody(), true);
            $ours = self::ours(['base_uri' => self::base() . '/echo/a/'])->get($relative)->json();
            $this->assertSame([$theirs['path'], $theirs['query']], [$ours['path'], $ours['query']], "base_uri + '$relative'");
        }
        $this->assertSame(200, self::ours(['base_uri' => new \GuzzleHttp\Psr7\Uri(self::base() . '/')])->get('json')->getStatusCode(), 'a UriInterface');
        $this->expectExceptionMessage('base_uri is a client option here');
        self::ours()->get('/json', ['base_uri' => self::base()]);
    }

    public function testAuthAsGuzzleAndBearerAsSymfony(): void
    {
        $echo = self::base() . '/echo';
        foreach ([['alice', 's3cret'], ['alice', 's3cret', 'basic'], ['bob', 'pä:ss']] as $auth) {
            $theirs = json_decode((string) self::guzzle()->get($echo, ['auth' => $auth])->getBody(), true);
            $ours = self::ours()->get($echo, ['auth' => $auth])->json();
            $this->assertSame($theirs['headers']['authorization'], $ours['headers']['authorization']);
        }
        $this->assertSame(['Basic ' . base64_encode('u:p')], self::ours(['auth' => ['u', 'p']])->get($echo)->json()['headers']['authorization']);
        $theirs = json_decode((string) self::guzzle()->get($echo, ['headers' => ['Authorization' => 'Bearer t0ken']])->getBody(), true);
        $this->assertSame($theirs['headers']['authorization'], self::ours()->get($echo, ['auth_bearer' => 't0ken'])->json()['headers']['authorization']);
        $this->assertSame(['Bearer c1ient'], self::ours(['auth_bearer' => 'c1ient'])->get($echo)->json()['headers']['authorization']);
        foreach ([['auth' => ['u', 'p', 'digest']], ['auth' => ['u', 'p'], 'auth_bearer' => 't'], ['auth' => ['only-user']]] as $bad) {
            try {
                self::ours()->get($echo, $bad);
                $this->fail(json_encode($bad));
            } catch (\TlsGuard\InvalidArgumentException $e) {
                $this->assertStringContainsString('auth', $e->getMessage());
                $this->assertStringNotContainsString('"p"', $e->getMessage(), 'no secret repeated');
            }
        }
    }

    public function testCookiesAcrossRequestsAsGuzzle(): void
    {
        $set = self::base() . '/set-cookie?c=' . rawurlencode('a=1; Path=/') . '&c=' . rawurlencode('b=2; Path=/echo');
        $guzzle = self::guzzle(['cookies' => true]);
        $guzzle->get($set);
        $ours = self::ours(['cookies' => true]);
        $ours->get($set);
        foreach (['/echo', '/echo/x', '/json'] as $path) {
            $theirs = $path === '/json' ? null : json_decode((string) $guzzle->get(self::base() . $path)->getBody(), true)['headers']['cookie'] ?? null;
            $mine = $path === '/json' ? null : $ours->get(self::base() . $path)->json()['headers']['cookie'] ?? null;
            // RFC 6265 5.4: the longer path first (Guzzle sends them in the order they were set).
            $sorted = fn (?array $h) => $h === null ? null : (function ($c) { sort($c); return $c; })(explode('; ', $h[0]));
            $this->assertSame($sorted($theirs), $sorted($mine), $path);
        }
        $this->assertSame(['b=2; a=1'], $ours->get(self::base() . '/echo')->json()['headers']['cookie']);
        $this->assertSame(['a', 'b'], array_column($ours->getCookies(), 'name'));
        $this->assertNull(self::ours()->getCookies(), 'no jar unless asked');
        // One jar shared by two clients, saved and restored.
        $jar = new \TlsGuard\CookieJar();
        self::ours(['cookies' => $jar])->get($set);
        $this->assertSame(2, $jar->count());
        $this->assertSame(['b=2; a=1'], self::ours(['cookies' => $jar])->get(self::base() . '/echo')->json()['headers']['cookie']);
        $restored = new \TlsGuard\CookieJar($jar->toArray());
        $this->assertSame($jar->toArray(), $restored->toArray());
        $jar->clear();
        $this->assertSame(0, $jar->count());
        $this->expectExceptionMessage('cookies is a client option here');
        self::ours()->get(self::base() . '/echo', ['cookies' => true]);
    }

    public function testMultipartAsGuzzleWithFilesStreamed(): void
    {
        $file = tempnam(sys_get_temp_dir(), 'tlsguard-mp');
        file_put_contents($file, implode('', array_map(fn ($i) => chr($i % 251), range(0, 99999))));
        $parts = fn () => [
            ['name' => 'text', 'contents' => 'one'],
            ['name' => 'file', 'contents' => fopen($file, 'r')],
            ['name' => 'named', 'contents' => fopen($file, 'r'), 'filename' => 'data.bin'],
            ['name' => 'binary', 'contents' => "\x00\x01\x02", 'filename' => 'b.bin', 'headers' => ['Content-Type' => 'application/x-test']],
            ['name' => 'psr7', 'contents' => \GuzzleHttp\Psr7\Utils::streamFor(fopen($file, 'r'))],
            ['name' => 'memory', 'contents' => \GuzzleHttp\Psr7\Utils::streamFor("\x00\x01")],
        ];
        try {
            $theirs = json_decode((string) self::guzzle()->post(self::base() . '/upload', ['multipart' => $parts()])->getBody(), true);
            $ours = self::ours()->post(self::base() . '/upload', ['multipart' => $parts()])->json();
        } finally {
            unlink($file);
        }
        $project = fn (array $v) => array_map(fn ($p) => [$p['name'], $p['filename'], $p['length'], $p['pattern_ok'], $p['text'] ?? null], $v['parts']);
        $this->assertSame($project($theirs), $project($ours));
        $this->assertSame(basename($file), $ours['parts'][1]['filename'], 'a file resource is named after its file');
        $this->assertSame('application/x-test', $ours['parts'][3]['content_type']);
        $this->assertFalse($ours['chunked'], 'sent with its length');
        $this->expectExceptionMessage('only Content-Type');
        self::ours()->post(self::base() . '/upload', ['multipart' => [['name' => 'x', 'contents' => 'y', 'headers' => ['X-Other' => '1']]]]);
    }

    public function testAllowRedirectsAsGuzzle(): void
    {
        $url = self::base() . '/redirect/same-origin';
        foreach ([false, true, ['max' => 5]] as $allow) {
            $theirs = self::guzzle()->get($url, ['allow_redirects' => $allow]);
            $ours = self::ours()->get($url, is_array($allow) && isset($allow['max']) ? [] : ['allow_redirects' => $allow]);
            $this->assertSame($theirs->getStatusCode(), $ours->getStatusCode(), json_encode($allow));
            $this->assertSame($theirs->getHeaderLine('Location'), $ours->getHeaderLine('location'));
        }
        $this->assertSame(302, self::ours(['allow_redirects' => false])->get($url)->getStatusCode(), 'a client that follows none');
        // Too many: Guzzle's TooManyRedirectsException, ours TOO_MANY_REDIRECTS.
        $three = self::base() . '/redirect/3';
        $this->assertSame('TooManyRedirectsException', self::outcome(fn () => self::guzzle(['allow_redirects' => ['max' => 2]])->get($three))[0]);
        [$class, $e] = self::outcome(fn () => self::ours(['allow_redirects' => ['max' => 2]])->get($three));
        $this->assertSame(['PolicyException', 'TOO_MANY_REDIRECTS'], [$class, $e->getErrorCode()]);
        $this->assertSame(200, self::ours(['allow_redirects' => ['max' => 3, 'protocols' => ['https'], 'strict' => false]])->get($three)->getStatusCode());
        foreach ([['max' => 3], ['strict' => true], ['track_redirects' => true], ['referer' => true], ['protocols' => ['ftp']]] as $bad) {
            [$class, $e] = self::outcome(fn () => self::ours()->get($three, ['allow_redirects' => $bad]));
            $this->assertSame('InvalidArgumentException', $class, json_encode($bad));
            $this->assertStringContainsString('allow_redirects.' . array_key_first($bad), $e->getMessage());
        }
    }

    public function testDecodeContentAsGuzzle(): void
    {
        foreach (['/gzip', '/deflate'] as $path) {
            $url = self::base() . $path;
            $theirs = self::guzzle()->get($url, ['decode_content' => false]);
            $ours = self::ours()->get($url, ['decode_content' => false]);
            $this->assertSame($theirs->getHeaderLine('Content-Encoding'), $ours->getHeaderLine('content-encoding'), $path);
            $this->assertSame((string) $theirs->getBody(), (string) $ours->getBody(), "$path: the server's bytes");
            $this->assertSame((string) self::guzzle()->get($url)->getBody(), (string) self::ours()->get($url, ['decode_content' => true])->getBody());
        }
        $this->assertSame('gzip', self::ours(['decode_content' => false])->get(self::base() . '/gzip')->getHeaderLine('content-encoding'), 'a client default');
    }

    public function testTimeoutsAndRetries(): void
    {
        $t0 = microtime(true);
        [$theirs] = self::outcome(fn () => self::guzzle()->get(self::base() . '/slow', ['timeout' => 0.5]));
        [$class, $e] = self::outcome(fn () => self::ours()->get(self::base() . '/slow', ['timeout' => 0.5]));
        $this->assertSame(['ConnectException', 'TimeoutException'], [$theirs, $class], 'curl error 28 is ConnectException in Guzzle');
        $this->assertStringContainsString('timeout', $e->getMessage());
        $this->assertLessThan(4.0, microtime(true) - $t0);
        [$class, $e] = self::outcome(fn () => self::ours()->get(self::base() . '/stall-body', ['read_timeout' => 0.3]));
        $this->assertSame('TimeoutException', $class);
        $this->assertStringContainsString('read_timeout', $e->getMessage());
        $this->assertSame(200, self::ours(['connect_timeout' => 2.5, 'timeout' => 5, 'read_timeout' => 5])->get(self::base() . '/')->getStatusCode());
        $this->assertStringContainsString('client option', self::outcome(fn () => self::ours()->get(self::base() . '/', ['connect_timeout' => 1]))[1]->getMessage());
        // The core's retry policy: a 503, then the answer.
        $key = uniqid('php', true);
        $r = self::ours()->get(self::base() . "/flaky?key=$key&fail=1", ['retries' => ['max' => 2, 'backoff' => 0.01]]);
        $this->assertSame([200, 'attempt 2'], [$r->getStatusCode(), (string) $r->getBody()]);
        $this->assertSame('ServerException', self::outcome(fn () => self::ours()->get(self::base() . "/flaky?key=$key-b&fail=1"))[0], 'no retries unless asked');
    }

    public function testRefusalsPointAtTheOptionToUse(): void
    {
        foreach ([
            [['verify' => false], 'verif'],
            [['verify' => '/etc/ssl/ca.pem'], 'ca_file'],
            [['cert' => '/tmp/c.pem'], 'client_cert'],
            [['ssl_key' => '/tmp/k.pem'], 'client_key'],
        ] as [$options, $named]) {
            foreach ([fn () => self::ours($options), fn () => self::ours()->get(self::base() . '/', $options)] as $where) {
                [$class, $e] = self::outcome($where);
                $this->assertSame('InvalidArgumentException', $class, json_encode($options));
                $this->assertStringContainsString($named, $e->getMessage());
            }
        }
    }
}
