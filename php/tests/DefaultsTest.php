<?php
declare(strict_types=1);

namespace TlsGuard\Tests;

use PHPUnit\Framework\TestCase;

/**
 * The defaults PHP documents (README's Client example, php/tlsguard.ini) are the core's
 * (ClientOptions::defaults_json, through TlsGuard\client_defaults()): a default changed in the
 * core fails here until the documentation follows.
 */
final class DefaultsTest extends TestCase
{
    /** A documented PHP literal as a value: 'text', "text", null, true, false, [], 30, 30.0. */
    private static function literal(string $text): mixed
    {
        $t = trim($text);
        return match (true) {
            $t === 'null' => null,
            $t === 'true' => true,
            $t === 'false' => false,
            $t === '[]' => [],
            is_numeric($t) => $t + 0,
            default => preg_match('/^([\'"])(.*)\1$/', $t, $m) ? $m[2] : self::fail("cannot read the literal $t"),
        };
    }

    private static function assertSameDefault(string $name, mixed $documented, mixed $core, string $where): void
    {
        $msg = "$name: $where says " . var_export($documented, true) . ', the core ' . var_export($core, true);
        if ($documented === null || $documented === []) {
            // "none" in PHP: the core's default is empty (null, no entries).
            self::assertContains($core, [null, []], $msg);
        } elseif (is_int($documented) || is_float($documented)) {
            self::assertTrue(is_int($core) || is_float($core), $msg);
            self::assertSame((float) $documented, (float) $core, $msg);
        } else {
            self::assertSame($documented, $core, $msg);
        }
    }

    public function testReadmeClientExampleShowsTheCoresDefaults(): void
    {
        $core = \TlsGuard\client_defaults();
        $readme = (string) file_get_contents(dirname(__DIR__) . '/README.md');
        // The API section's example lists every option with its default (the longest example).
        preg_match_all('/new TlsGuard\\\\Client\(\[(.*?)\]\);/s', $readme, $blocks);
        $pairs = [];
        foreach ($blocks[1] as $block) {
            preg_match_all("/'(\\w+)' => ('[^']*'|[^,\\n]+)/", $block, $found, PREG_SET_ORDER);
            $pairs = count($found) > count($pairs) ? $found : $pairs;
        }
        $this->assertGreaterThanOrEqual(10, count($pairs));
        foreach ($pairs as [, $name, $value]) {
            $this->assertArrayHasKey($name, $core, "$name is in the README's example but is not a core option");
            self::assertSameDefault($name, self::literal($value), $core[$name], 'README.md');
        }
    }

    public function testIniDefaultsAreTheCores(): void
    {
        $core = \TlsGuard\client_defaults();
        $comment = '';
        $checked = 0;
        foreach (file(dirname(__DIR__) . '/tlsguard.ini', FILE_IGNORE_NEW_LINES) ?: [] as $line) {
            if (preg_match('/^;\s*tlsguard\.(\w+)\s*=\s*(.*)$/', $line, $m)) {
                // Only settings whose comment states the default (others show an example value).
                if (str_contains($comment, 'default')) {
                    $value = self::literal(is_numeric(trim($m[2])) || str_starts_with(trim($m[2]), '"') ? $m[2] : "'$m[2]'");
                    self::assertSameDefault($m[1], $value, $core[$m[1]] ?? 'not a core option', 'tlsguard.ini');
                    $checked++;
                }
                $comment = '';
            } elseif (str_starts_with($line, ';')) {
                $comment .= $line . "\n";
            } else {
                $comment = '';
            }
        }
        $this->assertGreaterThanOrEqual(2, $checked);
    }
}
