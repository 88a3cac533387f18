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
}
