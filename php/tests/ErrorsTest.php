<?php
declare(strict_types=1);

namespace TlsGuard\Tests;

use PHPUnit\Framework\TestCase;
use TlsGuard\TlsGuardException;

/** Parity with tests/errors.json: every code maps to the exception class of its category. */
final class ErrorsTest extends TestCase
{
    private const CLASSES = [
        'certificate' => \TlsGuard\CertificateException::class,
        'tls' => \TlsGuard\TlsException::class,
        'network' => \TlsGuard\NetworkException::class,
        'timeout' => \TlsGuard\TimeoutException::class,
        'policy' => \TlsGuard\PolicyException::class,
        'http' => \TlsGuard\HttpException::class,
        'invalid_input' => \TlsGuard\InvalidArgumentException::class,
        'internal' => \TlsGuard\InternalException::class,
    ];

    public function testEveryCodeMapsToItsCategoryClass(): void
    {
        $table = json_decode((string) file_get_contents(dirname(__DIR__, 2) . '/tests/errors.json'), true, 512, JSON_THROW_ON_ERROR);
        $this->assertSame(array_keys(self::CLASSES), array_keys($table['categories']));
        $this->assertNotEmpty($table['errors']);
        foreach ($table['errors'] as $row) {
            $e = \TlsGuard\error_from_code($row['code'], 'm');
            $this->assertSame(self::CLASSES[$row['category']], get_class($e), $row['code']);
            $this->assertInstanceOf(TlsGuardException::class, $e);
            $this->assertInstanceOf(\Exception::class, $e);
            $this->assertSame($row['code'], $e->getErrorCode());
            $this->assertSame($row['hint'], $e->getHint());
            $this->assertSame($row['category'], $e->getCategory());
            $this->assertSame([], $e->getChain());
        }
    }

    public function testUnknownCode(): void
    {
        $this->expectException(\TlsGuard\InvalidArgumentException::class);
        \TlsGuard\error_from_code('NOPE');
    }

    public function testExceptionPointsAtTheCaller(): void
    {
        try {
            new \TlsGuard\Client(['nope' => 1]);
            $this->fail('no exception');
        } catch (\TlsGuard\InvalidArgumentException $e) {
            $this->assertSame(__FILE__, $e->getFile());
            $this->assertSame(__LINE__ - 4, $e->getLine());
            $this->assertSame('INVALID_ARGUMENT', $e->getErrorCode());
            $this->assertStringContainsString('unknown option "nope"', $e->getMessage());
        }
    }

    public function testCertificateErrorCarriesTheChain(): void
    {
        $kit = Kit::get();
        $s = $kit->scenario('expired');
        try {
            (new \TlsGuard\Client($s['options']))->get($s['url']);
            $this->fail('no exception');
        } catch (\TlsGuard\CertificateException $e) {
            $this->assertSame('CERT_EXPIRED', $e->getErrorCode());
            $this->assertNotEmpty($e->getChain());
            $this->assertInstanceOf(\TlsGuard\Certificate::class, $e->getChain()[0]);
            $this->assertSame($s['url'], $e->getUrl());
        }
    }
}
