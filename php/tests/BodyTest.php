<?php
declare(strict_types=1);

namespace TlsGuard\Tests;

use PHPUnit\Framework\TestCase;
use TlsGuard\Client;
use TlsGuard\Stream;

/** Issue 18 item 1: getBody() is a stream; sink and 'stream' => true in bounded memory. */
final class BodyTest extends TestCase
{
    private static function client(array $options = []): Client
    {
        return new Client(Kit::get()->scenario('good')['options'] + $options);
    }

    private static function base(): string
    {
        return rtrim(Kit::get()->scenario('good')['url'], '/');
    }

    /** Byte i of the kit's /stream?bytes=N is i % 251. */
    private static function pattern(int $from, int $length): string
    {
        $out = '';
        for ($i = $from; $i < $from + $length; $i++) {
            $out .= chr($i % 251);
        }
        return $out;
    }

    public function testBufferedBodyIsASeekableStream(): void
    {
        $r = self::client()->get(self::base() . '/stream?bytes=1000');
        $body = $r->getBody();
        $this->assertInstanceOf(Stream::class, $body);
        $this->assertSame(self::pattern(0, 1000), $r->getBody()->getContents());
        $this->assertTrue($body->eof(), 'every getBody() reads the same body');
        $this->assertSame('', $body->getContents());
        $this->assertSame(self::pattern(0, 1000), (string) $body, '__toString reads from the start');
        $body->seek(10);
        $this->assertSame([10, self::pattern(10, 5)], [$body->tell(), $body->read(5)]);
        $body->seek(-3, SEEK_END);
        $this->assertSame(self::pattern(997, 3), $body->read(100));
        $this->assertSame('', $body->read(100));
        $this->assertTrue($body->eof());
        $body->seek(2, SEEK_SET);
        $body->seek(2, SEEK_CUR);
        $this->assertSame(4, $body->tell());
        $body->rewind();
        $this->assertSame(0, $body->tell());
        $this->assertSame('', $body->read(0));
        $this->assertSame([1000, true, true, false], [$body->getSize(), $body->isSeekable(), $body->isReadable(), $body->isWritable()]);
        $this->assertSame(['seekable' => true, 'mode' => 'rb', 'eof' => false, 'wrapper_type' => 'tlsguard'], $body->getMetadata());
        $this->assertTrue($body->getMetadata('seekable'));
        $this->assertNull($body->getMetadata('nope'));
        try {
            $body->write('x');
            $this->fail('write');
        } catch (\RuntimeException $e) {
            $this->assertStringContainsString('not writable', $e->getMessage());
        }
        try {
            $body->seek(-1);
            $this->fail('seek before the start');
        } catch (\RuntimeException $e) {
            $this->assertStringContainsString('before the start', $e->getMessage());
        }
        $this->assertNull($body->detach());
        $this->assertFalse($body->isReadable());
        $this->assertNull($body->getSize());
        $this->expectException(\RuntimeException::class);
        $body->read(1);
    }

    public function testJsonAndTheEverydayIdiom(): void
    {
        $r = self::client()->get(self::base() . '/json');
        $this->assertSame(['hello' => 'world', 'n' => 1], json_decode($r->getBody()->getContents(), true));
        $this->assertSame(['hello' => 'world', 'n' => 1], $r->json(), 'json() parses the whole buffered body');
        $this->assertSame('1.1', $r->getProtocolVersion());
    }

    public function testStreamTrueReadsAsItArrives(): void
    {
        $total = 2 * 1024 * 1024 + 3;
        $r = self::client()->get(self::base() . "/stream?bytes=$total", ['stream' => true]);
        $this->assertSame(200, $r->getStatusCode());
        $body = $r->getBody();
        $this->assertFalse($body->isSeekable());
        $this->assertNull($body->getSize());
        $this->assertSame(self::pattern(0, 10), $body->read(10));
        $this->assertSame(10, $body->tell());
        try {
            $body->seek(0);
            $this->fail('a streamed body cannot seek');
        } catch (\RuntimeException $e) {
            $this->assertStringContainsString('cannot seek', $e->getMessage());
        }
        $rest = $r->getBody()->getContents();
        $this->assertSame($total - 10, strlen($rest));
        $this->assertSame(self::pattern($total - 7, 7), substr($rest, -7));
        $this->assertTrue($body->eof());
        $this->assertSame($total, $body->tell());
        // Decoded as it arrives.
        $r = self::client()->get(self::base() . '/gzip', ['stream' => true]);
        $this->assertSame('hello', json_decode((string) $r->getBody(), true)['text']);
        // Client::stream() shares its body with getBody().
        $s = self::client()->stream('GET', self::base() . '/stream?bytes=100');
        $this->assertSame(self::pattern(0, 4), $s->read(4));
        $this->assertSame(self::pattern(4, 96), $s->getBody()->getContents());
        $this->assertTrue($s->eof());
        // Closing a half-read stream leaves it unreadable.
        $r = self::client()->get(self::base() . "/stream?bytes=$total", ['stream' => true]);
        $r->getBody()->read(100);
        $r->getBody()->close();
        $this->assertFalse($r->getBody()->isReadable());
        $this->expectException(\RuntimeException::class);
        $r->getBody()->read(1);
    }

    public function testSinkPathAndResource(): void
    {
        $file = tempnam(sys_get_temp_dir(), 'tlsguard-sink');
        file_put_contents($file, str_repeat('old contents ', 100000)); // truncated by the sink
        try {
            $r = self::client()->get(self::base() . '/stream?bytes=300001', ['sink' => $file]);
            $this->assertSame(200, $r->getStatusCode());
            $this->assertSame(300001, filesize($file));
            $this->assertSame(self::pattern(0, 300001), file_get_contents($file));
            $body = $r->getBody();
            $this->assertSame([300001, true, 0, $file], [$body->getSize(), $body->isSeekable(), $body->tell(), $body->getMetadata('uri')]);
            $this->assertSame(self::pattern(0, 300001), $body->getContents(), 'the body is the sink, rewound');
            $body->seek(250);
            $this->assertSame(self::pattern(250, 3), $body->read(3));
        } finally {
            unlink($file);
        }

        $res = fopen('php://temp', 'w+');
        $r = self::client()->get(self::base() . '/gzip', ['sink' => $res]);
        $this->assertSame(0, ftell($res), 'rewound');
        $this->assertSame('hello', json_decode(stream_get_contents($res), true)['text']);
        $body = $r->getBody();
        $body->rewind();
        $this->assertSame('hello', json_decode($body->getContents(), true)['text']);
        $this->assertSame('php://temp', $body->getMetadata('uri'));
        $this->assertSame($res, $body->detach());
        $this->assertFalse($r->getBody()->isReadable());
        fclose($res);

        foreach ([['sink' => 42], ['sink' => '/nonexistent-dir/x'], ['sink' => $file, 'stream' => true]] as $bad) {
            try {
                self::client()->get(self::base() . '/', $bad);
                $this->fail('refused: ' . json_encode($bad));
            } catch (\TypeError $e) {
                $this->assertStringContainsString('sink', $e->getMessage());
            } catch (\TlsGuard\InvalidArgumentException $e) {
                $this->assertContains($e->getErrorCode(), ['IO', 'INVALID_ARGUMENT']);
                $this->assertStringContainsString('sink', $e->getMessage());
            }
        }
    }

    /**
     * 1 GiB through a sink and through 'stream' => true, each in a fresh PHP process whose
     * memory_get_peak_usage(true) stays under 32 MiB and whose peak RSS grows by under 100 MiB.
     */
    public function testLargeDownloadsStayInBoundedMemory(): void
    {
        $total = 1024 * 1024 * 1024;
        $url = self::base() . "/stream?bytes=$total";
        $file = sys_get_temp_dir() . '/tlsguard-big-' . getmypid();
        $script = <<<'PHP'
            function rss(string $key): int { preg_match("/^$key:\s+(\d+) kB/m", file_get_contents('/proc/self/status'), $m); return (int) $m[1] * 1024; }
            [$mode, $url, $warm, $ca, $file] = array_slice($argv, 1);
            $client = new TlsGuard\Client(['roots' => 'none', 'ca_file' => $ca]);
            $client->get($warm);                            // runtime and pool warm
            $start = rss('VmRSS');
            $seen = 0; $ok = true;
            if ($mode === 'sink') {
                $r = $client->get($url, ['sink' => $file]);
                $seen = filesize($file);
                $body = $r->getBody();
                $body->seek($seen - 1);
                $ok = ord($body->read(1)) === ($seen - 1) % 251;
            } else {
                $body = $client->get($url, ['stream' => true])->getBody();
                while (!$body->eof()) {
                    $chunk = $body->read(1 << 20);
                    if ($chunk !== '' && ord($chunk[0]) !== $seen % 251) { $ok = false; }
                    $seen += strlen($chunk);
                }
            }
            echo json_encode(['bytes' => $seen, 'ok' => $ok, 'peak' => memory_get_peak_usage(true), 'rss_growth' => rss('VmHWM') - $start]);
            PHP;
        foreach (['sink', 'stream'] as $mode) {
            $php = tempnam(sys_get_temp_dir(), 'big') . '.php';
            file_put_contents($php, "<?php\n" . $script);
            try {
                $out = FeaturesTest::exec([PHP_BINARY, '-n', '-d', 'extension=' . FeaturesTest::extensionPath(), $php,
                    $mode, $url, self::base() . '/stream?bytes=10', Kit::get()->pki('root_ca'), $file]);
            } finally {
                unlink($php);
                @unlink($file);
            }
            $v = json_decode($out, true);
            $this->assertIsArray($v, $out);
            $this->assertSame([$total, true], [$v['bytes'], $v['ok']], $mode);
            $this->assertLessThan(32 << 20, $v['peak'], "$mode: memory_get_peak_usage(true): $out");
            $this->assertLessThan(100 << 20, $v['rss_growth'], "$mode: peak RSS growth: $out");
        }
    }
}
