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
            // HTTP_STATUS: Guzzle's BadResponseException (an HttpException; ClientException or
            // ServerException by status when a response is refused by http_errors).
            $class = $row['code'] === 'HTTP_STATUS' ? \TlsGuard\BadResponseException::class : self::CLASSES[$row['category']];
            $this->assertSame($class, get_class($e), $row['code']);
            $this->assertInstanceOf(self::CLASSES[$row['category']], $e);
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

    /** @return TlsGuardException the exception the scenario's request throws */
    private static function thrown(string $name): TlsGuardException
    {
        $s = Kit::get()->scenario($name);
        try {
            (new \TlsGuard\Client($s['options']))->get($s['url']);
        } catch (TlsGuardException $e) {
            return $e;
        }
        self::fail("$name: no exception");
    }

    public function testDetailOfExpiredMismatchAndPin(): void
    {
        $e = self::thrown('expired');
        $d = $e->getDetail();
        $this->assertSame(['subject', 'not_after', 'now'], array_keys($d));
        // Unix seconds, as Certificate::toArray() and getNotAfterTimestamp() give them.
        $this->assertSame($e->getChain()[0]->getNotAfterTimestamp(), $d['not_after']);
        $this->assertLessThan($d['now'], $d['not_after']);
        $this->assertStringContainsString('localhost', $d['subject']);
        $this->assertSame(['expected' => 'localhost', 'presented' => ['wrong.example']], self::thrown('wrong_host')->getDetail());
        $pin = self::thrown('pin_mismatch');
        $this->assertSame(Kit::get()->scenario('pin_mismatch')['options']['pins'], $pin->getDetail()['pins']);
        $this->assertSame($pin->getChain()[0]->getSpkiPin(), $pin->getDetail()['chain_pins'][0]);
        $this->assertNull(\TlsGuard\error_from_code('INSECURE_URL')->getDetail());
    }

    public function testPreviousIsTheOsError(): void
    {
        $e = self::thrown('connect_refused');
        $this->assertSame('CONNECT', $e->getErrorCode());
        $previous = $e->getPrevious();
        $this->assertInstanceOf(\Exception::class, $previous);
        $this->assertStringContainsString('refused', $previous->getMessage());
        $this->assertGreaterThan(0, $previous->getCode());
        $this->assertNull(self::thrown('insecure_url')->getPrevious());
    }
}
