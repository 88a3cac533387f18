<?php
declare(strict_types=1);

namespace TlsGuard\Tests;

use PHPUnit\Framework\TestCase;
use TlsGuard\Client;
use TlsGuard\TlsGuardException;

/** Bad input gives TypeError/ValueError or an INVALID_* or IO TlsGuardException, never a crash. */
final class BadInputTest extends TestCase
{
    public static function badClientOptions(): iterable
    {
        yield 'unknown option' => [['nope' => true]];
        yield 'verify off' => [['verify' => false]];
        yield 'negative timeout' => [['timeout' => -1]];
        yield 'zero connect timeout' => [['connect_timeout' => 0]];
        yield 'timeout as string' => [['timeout' => 'soon']];
        yield 'roots' => [['roots' => 'everything']];
        yield 'min_tls 1.0' => [['min_tls' => '1.0']];
        yield 'unreadable ca_file' => [['ca_file' => '/nonexistent/ca.pem']];
        yield 'garbage ca_pem' => [['ca_pem' => "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"]];
        yield 'header CRLF' => [['headers' => ['x-a' => "1\r\nx-b: 2"]]];
        yield 'header name' => [['headers' => ['bad name' => '1']]];
        yield 'cert without key' => [['client_cert' => '/tmp/x.pem']];
        yield 'list instead of map' => [['roots']];
        yield 'nested object' => [['proxy' => new \ArrayObject()]];
        yield 'NUL in string' => [['proxy' => "http://a\0b"]];
        yield 'max_redirects negative' => [['max_redirects' => -2]];
        yield 'binary string' => [['proxy' => "\xff\xfe"]];
    }

    /** @dataProvider badClientOptions */
    public function testBadClientOptions(array $options): void
    {
        try {
            new Client($options);
            $this->fail('accepted: ' . var_export($options, true));
        } catch (TlsGuardException $e) {
            $this->assertMatchesRegularExpression('/^(INVALID_\w+|IO)$/', $e->getErrorCode(), $e->getMessage());
        } catch (\TypeError | \ValueError $e) {
            $this->addToAssertionCount(1);
        }
    }

    public static function badRequests(): iterable
    {
        yield 'method' => ['TRACE', 'https://localhost/', []];
        yield 'url' => ['GET', 'not a url', []];
        yield 'header CRLF' => ['GET', 'https://localhost/', ['headers' => ['x' => "a\nb"]]];
        yield 'unknown option' => ['GET', 'https://localhost/', ['verify' => false]];
        yield 'two bodies' => ['POST', 'https://localhost/', ['body' => 'a', 'json' => [1]]];
        yield 'negative timeout' => ['GET', 'https://localhost/', ['timeout' => -5]];
        yield 'body not a string' => ['POST', 'https://localhost/', ['body' => [1, 2]]];
        yield 'headers not an array' => ['GET', 'https://localhost/', ['headers' => 'x']];
        yield 'query value object' => ['GET', 'https://localhost/', ['query' => ['a' => new \stdClass()]]];
        yield 'json with resource' => ['POST', 'https://localhost/', ['json' => [STDIN]]];
        yield 'json NAN' => ['POST', 'https://localhost/', ['json' => NAN]];
    }

    /** @dataProvider badRequests */
    public function testBadRequests(string $method, string $url, array $options): void
    {
        $client = new Client(['connect_timeout' => 2.0]);
        try {
            $client->request($method, $url, $options);
            $this->fail('accepted');
        } catch (TlsGuardException $e) {
            $this->assertMatchesRegularExpression('/^(INVALID_\w+|IO)$/', $e->getErrorCode(), $e->getMessage());
        } catch (\TypeError | \ValueError $e) {
            $this->addToAssertionCount(1);
        }
    }

    public function testWrongArgumentTypes(): void
    {
        $client = new Client();
        foreach ([
            fn () => new Client('roots'),
            fn () => $client->get(['x']),
            fn () => $client->request('GET'),
            fn () => \TlsGuard\verify_chain([]),
            fn () => \TlsGuard\Certificate::fromPem(new \stdClass()),
            fn () => $client->requestMany('x'),
        ] as $i => $f) {
            try {
                $f();
                $this->fail("call $i accepted");
            } catch (\TypeError | \ArgumentCountError $e) {
                $this->addToAssertionCount(1);
            }
        }
    }

    public function testBadPemAndOfflineInput(): void
    {
        foreach ([
            fn () => \TlsGuard\Certificate::fromPem('garbage'),
            fn () => \TlsGuard\load_certificates("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n"),
            fn () => \TlsGuard\verify_chain('nope'),
            fn () => \TlsGuard\lint('nope'),
            fn () => \TlsGuard\verify_chain(file_get_contents(Kit::get()->pki('root_ca')), ['purpose' => 'other']),
            fn () => \TlsGuard\lint(file_get_contents(Kit::get()->pki('root_ca')), ['key' => '/nonexistent/key.pem']),
            fn () => \TlsGuard\trust_report(['ca_file' => '/nonexistent']),
            fn () => \TlsGuard\inspect('localhost', ['port' => 0]),
        ] as $i => $f) {
            try {
                $f();
                $this->fail("call $i accepted");
            } catch (TlsGuardException $e) {
                $this->assertMatchesRegularExpression('/^(INVALID_\w+|IO)$/', $e->getErrorCode(), "call $i: " . $e->getMessage());
            }
        }
    }
}
