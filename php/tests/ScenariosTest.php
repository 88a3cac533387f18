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
        try {
            $client = new Client($s['options']);
            $r = $client->request($s['method'], $s['url'], $request);
        } catch (TlsGuardException $e) {
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
