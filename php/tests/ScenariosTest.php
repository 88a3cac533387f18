<?php
declare(strict_types=1);

namespace TlsGuard\Tests;

use PHPUnit\Framework\TestCase;
use TlsGuard\Client;
use TlsGuard\TlsGuardException;

/** The shared scenario suite: every scenario of the kit's manifest. */
final class ScenariosTest extends TestCase
{
    public static function scenarios(): iterable
    {
        foreach (Kit::get()->manifest['scenarios'] as $s) {
            yield $s['name'] => [$s];
        }
    }

    /** @dataProvider scenarios */
    public function testScenario(array $s): void
    {
        $expect = $s['expect'];
        $request = [];
        if (!empty($s['request']['headers'])) {
            $request['headers'] = $s['request']['headers'];
        }
        if (isset($s['request']['body'])) {
            $request['body'] = $s['request']['body'];
        }
        // A row with max_seconds (the hostile servers) must end within that time, and its
        // client must then still get a 200 from the good server.
        $client = null;
        $started = hrtime(true);
        $checkAfter = function () use (&$client, $s, $started, $expect): void {
            if (!isset($expect['max_seconds'])) {
                return;
            }
            $took = (hrtime(true) - $started) / 1e9;
            $this->assertLessThanOrEqual($expect['max_seconds'], $took, "{$s['name']}: took $took s");
            $this->assertNotNull($client, "{$s['name']}: no client was made");
            $next = $client->request('GET', Kit::get()->manifest['servers']['good'] . '/');
            $this->assertSame(200, $next->getStatusCode(), "{$s['name']}: the next request");
        };
        try {
            $client = new Client($s['options']);
            $r = $client->request($s['method'], $s['url'], $request);
        } catch (TlsGuardException $e) {
            $checkAfter();
            $this->assertNotNull($expect['code'], "{$s['name']}: unexpected {$e->getErrorCode()}: {$e->getMessage()}");
            $this->assertSame($expect['code'], $e->getErrorCode(), "{$s['name']}: {$e->getMessage()}");
            $class = \TlsGuard\error_from_code($expect['code']);
            $this->assertInstanceOf(get_class($class), $e);
            foreach ($expect['message_contains'] as $fact) {
                $this->assertStringContainsString($fact, $e->getMessage(), $s['name']);
            }
            $this->assertNotSame('', $e->getHint());
            return;
        }
        $checkAfter();
        $this->assertNull($expect['code'], "{$s['name']}: expected {$expect['code']}, got status {$r->getStatusCode()}");
        if ($expect['status'] !== null) {
            $this->assertSame($expect['status'], $r->getStatusCode(), $s['name']);
        }
        foreach ($expect['body_contains'] as $fact) {
            $this->assertStringContainsString($fact, $r->getBody(), $s['name']);
        }
        if ($expect['http_version'] !== null) {
            $this->assertSame($expect['http_version'], $r->getHttpVersion(), $s['name']);
        }
        if ($expect['tls_version'] !== null) {
            $this->assertSame($expect['tls_version'], $r->getTlsVersion(), $s['name']);
        }
    }
}
