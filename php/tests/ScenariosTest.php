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

    /**
     * getDetail() has every key of $want, each value containing its text (a list: one element;
     * a time: an int).
     * @param array<string, string> $want
     */
    private static function checkDetail(string $name, TlsGuardException $e, array $want): void
    {
        if ($want === []) {
            return;
        }
        $detail = $e->getDetail();
        self::assertIsArray($detail, "$name: no detail");
        foreach ($want as $key => $fact) {
            self::assertArrayHasKey($key, $detail, "$name: " . json_encode($detail));
            $v = $detail[$key];
            self::assertNotNull($v, "$name: $key");
            if (is_int($v)) {
                self::assertSame('', $fact, "$name: $key is a time");
            } elseif (is_array($v)) {
                $hit = $fact === '' || array_filter($v, fn ($x) => str_contains($x, $fact)) !== [];
                self::assertTrue($hit, "$name: $key: $fact not in " . json_encode($v));
            } else {
                self::assertStringContainsString($fact, $v, "$name: $key");
            }
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
            self::checkDetail($s['name'], $e, $expect['detail'] ?? []);
            if (($expect['cause_contains'] ?? null) !== null) {
                $previous = $e->getPrevious();
                $this->assertInstanceOf(\Exception::class, $previous, "{$s['name']}: no previous");
                $this->assertStringContainsString($expect['cause_contains'], $previous->getMessage(), $s['name']);
                $this->assertGreaterThan(0, $previous->getCode(), "{$s['name']}: errno");
            }
            return;
        }
        $checkAfter();
        $this->assertNull($expect['code'], "{$s['name']}: expected {$expect['code']}, got status {$r->getStatusCode()}");
        if ($expect['status'] !== null) {
            $this->assertSame($expect['status'], $r->getStatusCode(), $s['name']);
        }
        foreach ($expect['body_contains'] as $fact) {
            $this->assertStringContainsString($fact, (string) $r->getBody(), $s['name']);
        }
        if ($expect['http_version'] !== null) {
            $this->assertSame($expect['http_version'], $r->getHttpVersion(), $s['name']);
        }
        if ($expect['tls_version'] !== null) {
            $this->assertSame($expect['tls_version'], $r->getTlsVersion(), $s['name']);
        }
    }
}
