<?php
declare(strict_types=1);

namespace TlsGuard\Tests;

use Nyholm\Psr7\Factory\Psr17Factory;
use PHPUnit\Framework\TestCase;
use Psr\Http\Client\ClientInterface;
use Psr\Http\Client\NetworkExceptionInterface;
use Psr\Http\Client\RequestExceptionInterface;

final class Psr18Test extends TestCase
{
    protected function setUp(): void
    {
        if (!interface_exists(ClientInterface::class) || !class_exists(Psr17Factory::class)) {
            $this->markTestSkipped('apt-get install php-psr-http-client php-psr-http-message php-nyholm-psr7');
        }
    }

    private function client(): \TlsGuard\Psr18\Client
    {
        return new \TlsGuard\Psr18\Client(new \TlsGuard\Client(Kit::get()->scenario('good')['options']));
    }

    public function testSendRequest(): void
    {
        $f = new Psr17Factory();
        $client = $this->client();
        $this->assertInstanceOf(ClientInterface::class, $client);
        $response = $client->sendRequest($f->createRequest('GET', Kit::get()->scenario('good')['url']));
        $this->assertSame(200, $response->getStatusCode());
        $this->assertStringContainsString('hello', (string) $response->getBody());
        $this->assertContains($response->getProtocolVersion(), ['1.1', '2']);

        $echo = Kit::get()->scenario('post_echo')['url'];
        $request = $f->createRequest('POST', $echo)->withHeader('content-type', 'application/json')
            ->withBody($f->createStream('{"x":1}'));
        $seen = json_decode((string) $client->sendRequest($request)->getBody(), true);
        $this->assertSame('{"x":1}', $seen['body']);
        $this->assertSame(['application/json'], $seen['headers']['content-type']);
    }

    public function testRefusalsAreNetworkExceptions(): void
    {
        $f = new Psr17Factory();
        $request = $f->createRequest('GET', Kit::get()->scenario('expired')['url']);
        try {
            $this->client()->sendRequest($request);
            $this->fail('no exception');
        } catch (NetworkExceptionInterface $e) {
            $this->assertSame($request, $e->getRequest());
            $this->assertInstanceOf(\TlsGuard\CertificateException::class, $e->getPrevious());
            $this->assertSame('CERT_EXPIRED', $e->getErrorCode());
        }
    }

    public function testBadRequestIsRequestException(): void
    {
        $f = new Psr17Factory();
        $this->expectException(RequestExceptionInterface::class);
        $this->client()->sendRequest($f->createRequest('TRACE', Kit::get()->scenario('good')['url']));
    }

    public function testRedirectsAndErrorStatusesAreResponses(): void
    {
        $f = new Psr17Factory();
        $base = rtrim(Kit::get()->scenario('good')['url'], '/');
        $guzzle = class_exists(\GuzzleHttp\Client::class)
            ? new \GuzzleHttp\Client(['handler' => \GuzzleHttp\HandlerStack::create(new \GuzzleHttp\Handler\CurlHandler()),
                'verify' => Kit::get()->pki('root_ca')])
            : null;
        foreach (['/redirect/same-origin' => 302, '/redirect/303' => 303, '/status/404' => 404, '/status/503' => 503] as $path => $status) {
            $request = $f->createRequest('GET', $base . $path);
            $ours = $this->client()->sendRequest($request);
            $this->assertSame($status, $ours->getStatusCode(), $path);
            if ($guzzle !== null) {
                // Guzzle's own PSR-18 sendRequest() is the oracle: the same status and Location.
                $theirs = $guzzle->sendRequest($request);
                $this->assertSame($theirs->getStatusCode(), $ours->getStatusCode(), $path);
                $this->assertSame($theirs->getHeaderLine('Location'), $ours->getHeaderLine('Location'), $path);
            }
        }
        $this->assertSame('/echo', $this->client()->sendRequest($f->createRequest('GET', "$base/redirect/same-origin"))->getHeaderLine('location'));
    }

    public function testADecodedBodyLosesItsContentEncoding(): void
    {
        $f = new Psr17Factory();
        $base = rtrim(Kit::get()->scenario('good')['url'], '/');
        foreach (['/gzip', '/deflate', '/br', '/zstd'] as $path) {
            $r = $this->client()->sendRequest($f->createRequest('GET', $base . $path));
            $body = (string) $r->getBody();
            $this->assertSame('hello', json_decode($body, true)['text'] ?? null, $path);
            $this->assertFalse($r->hasHeader('Content-Encoding'), "$path: decoded once, by tlsguard");
            $this->assertSame((string) strlen($body), $r->getHeaderLine('Content-Length'), $path);
        }
        $plain = $this->client()->sendRequest($f->createRequest('GET', $base . '/json'));
        $this->assertSame((string) strlen((string) $plain->getBody()), $plain->getHeaderLine('Content-Length'), 'untouched');
        // Whether the body was decoded is the core's answer (isBodyDecoded()); with a body only.
        $h = ['content-encoding' => ['gzip, br'], 'content-length' => ['10'], 'x' => ['1']];
        $this->assertSame(['x' => ['1'], 'content-length' => ['5']], \TlsGuard\Psr18\Client::headersFor($h, 'hello', true));
        $unknown = ['content-encoding' => ['gzip, compress'], 'content-length' => ['10']];
        $this->assertSame($unknown, \TlsGuard\Psr18\Client::headersFor($unknown, 'hello', false));
        $this->assertSame($h, \TlsGuard\Psr18\Client::headersFor($h, '', true), 'an empty body');
    }
}
