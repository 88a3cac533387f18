<?php
declare(strict_types=1);

namespace TlsGuard\Tests;

use PHPUnit\Framework\TestCase;

/** Runs the README's quickstart against the test kit (its CA path and URL substituted). */
final class ReadmeTest extends TestCase
{
    public function testQuickstartRuns(): void
    {
        $readme = (string) file_get_contents(dirname(__DIR__) . '/README.md');
        $this->assertSame(1, preg_match('/## Quickstart\s+```php\n(.*?)```/s', $readme, $m));
        $kit = Kit::get();
        $code = str_replace(
            ["'/etc/ssl/my-ca.pem'", "'https://internal.example/api'"],
            [var_export($kit->pki('root_ca'), true), var_export($kit->scenario('good')['url'], true)],
            $m[1],
        );
        $file = tempnam(sys_get_temp_dir(), 'quickstart');
        file_put_contents($file, $code);
        $out = FeaturesTest::exec([PHP_BINARY, '-n', '-d', 'extension=' . FeaturesTest::extensionPath(), $file]);
        unlink($file);
        $this->assertMatchesRegularExpression('/^200 TLSv1\.[23] \d+ bytes$/', $out);

        $code = str_replace(
            ["'/etc/ssl/my-ca.pem'", "'https://internal.example/api'"],
            [var_export($kit->pki('root_ca'), true), var_export($kit->scenario('expired')['url'], true)],
            $m[1],
        );
        file_put_contents($file, $code);
        $out = FeaturesTest::exec([PHP_BINARY, '-n', '-d', 'extension=' . FeaturesTest::extensionPath(), $file]);
        unlink($file);
        $this->assertStringStartsWith('CERT_EXPIRED: ', $out);
        $this->assertStringContainsString('Fix: ', $out);
    }
}
