<?php
declare(strict_types=1);

namespace TlsGuard\Tests;

use PHPUnit\Framework\TestCase;

/** php/stubs/tlsguard.stubs.php must match the loaded extension (names, parameters, types). */
final class StubsTest extends TestCase
{
    public function testStubsMatchTheExtension(): void
    {
        $stubs = dirname(__DIR__) . '/stubs/tlsguard.stubs.php';
        $lint = FeaturesTest::exec([PHP_BINARY, '-n', '-l', $stubs]);
        $this->assertStringContainsString('No syntax errors', $lint);
        $ext = FeaturesTest::exec([PHP_BINARY, '-n', '-d', 'extension=' . FeaturesTest::extensionPath(), __DIR__ . '/signatures.php', 'ext']);
        $stub = FeaturesTest::exec([PHP_BINARY, '-n', __DIR__ . '/signatures.php', $stubs]);
        $this->assertGreaterThan(5, count(json_decode($ext, true)['classes'] ?? []), $ext);
        $this->assertSame(
            json_decode($ext, true, 512, JSON_THROW_ON_ERROR),
            json_decode($stub, true, 512, JSON_THROW_ON_ERROR),
            "stubs drifted from the extension:\n--- extension\n$ext\n--- stubs\n$stub"
        );
    }
}
