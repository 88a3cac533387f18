<?php
declare(strict_types=1);

namespace TlsGuard\Tests;

use PHPUnit\Framework\TestCase;
use TlsGuard\Client;
use TlsGuard\Response;
use TlsGuard\TlsGuardException;

final class FeaturesTest extends TestCase
{
    private static function trust(): array
    {
        return Kit::get()->scenario('good')['options'];
    }

    private static function url(string $scenario): string
    {
        return Kit::get()->scenario($scenario)['url'];
    }

    public function testResponseAccessors(): void
    {
        $r = (new Client(self::trust()))->get(self::url('good'), ['headers' => ['x-test' => ['a', 'b']], 'query' => ['q' => 'a b', 'n' => 1]]);
        $this->assertSame(200, $r->getStatusCode());
        $this->assertSame('OK', $r->getReasonPhrase());
        $this->assertStringContainsString('q=a+b&n=1', $r->getEffectiveUrl());
        $this->assertContains($r->getTlsVersion(), ['TLSv1.2', 'TLSv1.3']);
        $this->assertNotSame('', $r->getCipherSuite());
        $this->assertSame('HTTP/1.1', $r->getHttpVersion(), 'HTTP/2 is opt-in');
        $certs = $r->getPeerCertificates();
        $this->assertContainsOnlyInstancesOf(\TlsGuard\Certificate::class, $certs);
        $this->assertContains('localhost', $certs[0]->getDnsNames());
        $this->assertInstanceOf(\DateTimeImmutable::class, $certs[0]->getNotAfter());
        $this->assertSame($certs[0]->getNotAfterTimestamp(), $certs[0]->getNotAfter()->getTimestamp());
        foreach ($r->getHeaders() as $name => $values) {
            $this->assertIsString($name);
            $this->assertSame(array_values($values), $values);
            $this->assertSame(implode(', ', $values), $r->getHeaderLine($name));
        }
        $this->assertGreaterThan(0.0, $r->getElapsed());
    }

    public function testJsonAndPost(): void
    {
        $client = new Client(self::trust());
        $json = Kit::get()->scenario('json');
        $r = $client->get($json['url']);
        $this->assertIsArray($r->json());
        $echo = Kit::get()->scenario('post_echo');
        $r = $client->request('POST', $echo['url'], ['json' => ['a' => 1, 'list' => [1, 2], 'o' => new \stdClass()]]);
        $this->assertSame(200, $r->getStatusCode());
        $seen = $r->json();
        $this->assertSame(['a' => 1, 'list' => [1, 2], 'o' => []], json_decode($seen['body'], true));
        $this->assertSame(['application/json'], $seen['headers']['content-type']);
        $seen = $client->post($echo['url'], ['form_params' => ['x' => 'y z']])->json();
        $this->assertSame('x=y+z', $seen['body']);
        $this->assertSame(['application/x-www-form-urlencoded'], $seen['headers']['content-type']);
        $seen = $client->post($echo['url'], ['body' => "\x00\xffbinary"])->json();
        $this->assertSame(['8'], $seen['headers']['content-length']);
        $this->expectException(\TlsGuard\HttpException::class);
        $client->get(self::url('good'))->json();
    }

    public function testRequestManyKeepsOrderAndFailures(): void
    {
        $client = new Client(self::trust());
        $good = self::url('good');
        $out = $client->requestMany([
            ['GET', $good],
            ['GET', self::url('expired')],
            ['POST', Kit::get()->scenario('post_echo')['url'], ['json' => ['x' => 1]]],
            ['GET', self::url('connect_refused')],
        ], 2);
        $this->assertCount(4, $out);
        $this->assertInstanceOf(Response::class, $out[0]);
        $this->assertInstanceOf(\TlsGuard\CertificateException::class, $out[1]);
        $this->assertSame('CERT_EXPIRED', $out[1]->getErrorCode());
        $this->assertInstanceOf(Response::class, $out[2]);
        $this->assertInstanceOf(\TlsGuard\NetworkException::class, $out[3]);
        $many = $client->requestMany(array_fill(0, 50, ['GET', $good]), 32);
        $this->assertCount(50, $many);
        $this->assertContainsOnlyInstancesOf(Response::class, $many);
        $this->assertSame([], $client->requestMany([]));
    }

    public function testHttp2IsOptInAndConcurrentHttp1RequestsGetAConnectionEach(): void
    {
        $slow = rtrim(self::url('good'), '/') . '/conn-slow';
        foreach ([false, true] as $http2) {
            $client = new Client(self::trust() + ['http2' => $http2]);
            $out = $client->requestMany(array_fill(0, 8, ['GET', $slow]), 8);
            $versions = array_unique(array_map(fn ($r) => $r->getHttpVersion(), $out));
            $conns = count(array_unique(array_map(fn ($r) => (string) $r->getBody(), $out)));
            if ($http2) {
                $this->assertSame(['HTTP/2'], array_values($versions));
                $this->assertLessThanOrEqual(2, $conns, 'HTTP/2 multiplexes');
            } else {
                $this->assertSame(['HTTP/1.1'], array_values($versions));
                $this->assertSame(8, $conns, 'HTTP/1.1: one pooled connection per request in flight');
            }
        }
    }

    public function testCoreRequestOptionsPassThrough(): void
    {
        $client = new Client(self::trust());
        $base = rtrim(self::url('good'), '/');
        $file = tempnam(sys_get_temp_dir(), 'tlsguard');
        file_put_contents($file, implode('', array_map(fn ($i) => chr($i % 251), range(0, 9999))));
        try {
            $v = $client->post("$base/upload", ['multipart' => [
                ['name' => 'x', 'value' => 'one'],
                ['name' => 'f', 'file' => $file, 'filename' => 'a.bin'],
            ]])->json();
            $this->assertSame('one', $v['parts'][0]['text']);
            $this->assertSame(['a.bin', 10000, true], [$v['parts'][1]['filename'], $v['parts'][1]['length'], $v['parts'][1]['pattern_ok']]);
            $v = $client->put("$base/upload", ['file' => $file])->json();
            $this->assertSame([10000, true, false], [$v['length'], $v['pattern_ok'], $v['chunked']]);
            // Binary body bytes still go as they are.
            $v = $client->post("$base/upload", ['body' => "\x00\x01\x02"])->json();
            $this->assertSame([3, true], [$v['length'], $v['pattern_ok']]);
        } finally {
            unlink($file);
        }
        $r = $client->get("$base/redirect/same-origin", ['redirect' => 'manual']);
        $this->assertSame(302, $r->getStatusCode());
        try {
            $client->get("$base/redirect/same-origin", ['redirect' => 'error']);
            $this->fail('redirect mode error');
        } catch (\TlsGuard\PolicyException $e) {
            $this->assertSame('REDIRECT_REFUSED', $e->getErrorCode());
        }
        // An option error in one request of a batch stays in its slot.
        $out = $client->requestMany([['GET', "$base/"], ['GET', "$base/", ['redirect' => 'sideways']]]);
        $this->assertInstanceOf(Response::class, $out[0]);
        $this->assertSame('INVALID_ARGUMENT', $out[1]->getErrorCode());
    }

    public function testStreamReadsTheBodyAsItArrives(): void
    {
        $client = new Client(self::trust());
        $base = rtrim(self::url('good'), '/');
        $total = 3 * 1024 * 1024 + 7;
        $r = $client->stream('GET', "$base/stream?bytes=$total");
        $this->assertInstanceOf(\TlsGuard\StreamedResponse::class, $r);
        $this->assertSame(200, $r->getStatusCode());
        $this->assertSame((string) $total, $r->getHeaderLine('content-length'));
        $got = 0;
        $ok = true;
        while (!$r->eof()) {
            $chunk = $r->read(100000);
            $this->assertLessThanOrEqual(100000, strlen($chunk));
            // byte i of /stream is i % 251: spot-check each chunk's first byte
            if ($chunk !== '' && ord($chunk[0]) !== $got % 251) {
                $ok = false;
            }
            $got += strlen($chunk);
        }
        $this->assertTrue($ok);
        $this->assertSame($total, $got);
        $this->assertSame('', $r->read());
        // Decoded as it arrives; getContents() for the rest.
        $r = $client->stream('GET', "$base/gzip");
        $this->assertTrue($r->isBodyDecoded());
        $this->assertSame('hello', json_decode($r->getContents(), true)['text']);
        // isBodyDecoded(): the core's answer, for buffered responses too.
        $this->assertTrue($client->get("$base/gzip")->isBodyDecoded());
        $this->assertFalse($client->get("$base/gzip", ['decode_content' => false])->isBodyDecoded());
        $this->assertTrue($client->request('HEAD', "$base/gzip")->isBodyDecoded(), 'said of the headers');
        $this->assertFalse($client->get("$base/json")->isBodyDecoded());
        // A stalled body ends with the read timeout, named.
        $slow = new Client(self::trust() + ['read_timeout' => 0.5]);
        $r = $slow->stream('GET', "$base/stall-body");
        $this->assertSame(1024, strlen($r->read()));
        try {
            $r->read();
            $this->fail('read_timeout');
        } catch (TlsGuardException $e) {
            $this->assertSame('TIMEOUT', $e->getErrorCode());
            $this->assertStringContainsString('read_timeout', $e->getMessage());
        }
        $this->assertTrue($r->eof());
    }

    /** ext-curl is the oracle: the same URL gives the same status and decoded body. */
    public function testStreamedBodiesMatchExtCurl(): void
    {
        $this->assertTrue(function_exists('curl_init'), 'ext-curl (php8.2-curl) is a test prerequisite');
        $client = new Client(self::trust());
        $base = rtrim(self::url('good'), '/');
        foreach (['/stream?bytes=1000003', '/gzip', '/deflate', '/chunked'] as $path) {
            $ch = curl_init("$base$path");
            curl_setopt_array($ch, [
                CURLOPT_RETURNTRANSFER => true,
                CURLOPT_ENCODING => '',                       // decode what the server encoded
                CURLOPT_CAINFO => Kit::get()->pki('root_ca'),
                CURLOPT_HTTP_VERSION => CURL_HTTP_VERSION_1_1,
            ]);
            $want = curl_exec($ch);
            $this->assertIsString($want, curl_error($ch));
            $r = $client->stream('GET', "$base$path");
            $this->assertSame(curl_getinfo($ch, CURLINFO_RESPONSE_CODE), $r->getStatusCode(), $path);
            $this->assertSame($want, $r->getContents(), $path);
        }
    }

    public function testForkedChildUsesAClientMadeBeforeFork(): void
    {
        if (!function_exists('pcntl_fork')) {
            $this->markTestSkipped('pcntl is not available');
        }
        $client = new Client(self::trust());
        $this->assertSame(200, $client->get(self::url('good'))->getStatusCode());
        $pid = pcntl_fork();
        if ($pid === 0) {
            $ok = false;
            try {
                $ok = $client->get(self::url('good'))->getStatusCode() === 200
                    && count($client->requestMany([['GET', self::url('good')], ['GET', self::url('good')]])) === 2;
            } catch (\Throwable $e) {
                fwrite(STDERR, "child: $e\n");
            }
            posix_kill(posix_getpid(), $ok ? SIGUSR1 : SIGUSR2); // leave without running PHPUnit's shutdown
            exit($ok ? 0 : 1);
        }
        pcntl_waitpid($pid, $status);
        $this->assertTrue(pcntl_wifsignaled($status) && pcntl_wtermsig($status) === SIGUSR1, 'the child request failed');
        $this->assertSame(200, $client->get(self::url('good'))->getStatusCode(), 'the parent still works');
    }

    public function testOfflineFunctions(): void
    {
        $kit = Kit::get();
        $chain = file_get_contents($kit->pki('server_good_chain'));
        $certs = \TlsGuard\load_certificates($chain);
        $this->assertGreaterThanOrEqual(2, count($certs));
        $this->assertSame($certs[0]->getSubject(), \TlsGuard\Certificate::fromPem($chain)->getSubject());
        $this->assertSame($certs[0]->getFingerprintSha256(), \TlsGuard\Certificate::fromDer($certs[0]->toDer())->getFingerprintSha256());
        $this->assertSame($certs[0]->getSpkiPin(), $certs[0]->toArray()['spki_pin']);

        $ok = \TlsGuard\verify_chain($chain, ['hostname' => 'localhost', 'roots' => 'none', 'ca_file' => $kit->pki('root_ca')]);
        $this->assertTrue($ok['ok']);
        $this->assertNull($ok['error']);
        $later = \TlsGuard\verify_chain($chain, ['hostname' => 'localhost', 'roots' => 'none', 'ca_file' => $kit->pki('root_ca'),
            'at' => new \DateTimeImmutable('+20 years')]);
        $this->assertFalse($later['ok']);
        $this->assertSame('CERT_EXPIRED', $later['error']->getErrorCode());
        $wrong = \TlsGuard\verify_chain($chain, ['hostname' => 'example.com', 'roots' => 'none', 'ca_file' => $kit->pki('root_ca')]);
        $this->assertInstanceOf(\TlsGuard\CertificateException::class, $wrong['error']);

        $findings = \TlsGuard\lint(file_get_contents($kit->pki('server_expired_chain')), ['hostnames' => ['localhost'], 'warn_days' => 30]);
        $this->assertNotEmpty($findings);
        $this->assertSame('error', $findings[0]['severity']);

        $report = \TlsGuard\trust_report(['roots' => 'none', 'ca_file' => $kit->pki('root_ca'), 'use_env' => false]);
        $this->assertSame(1, $report['total']);
        $this->assertSame('none', $report['roots']);
        $this->assertSame([], $report['warnings']);
        $stale = \TlsGuard\trust_report(['roots' => 'none', 'ca_file' => $kit->pki('root_ca'), 'crls' => [$kit->pki('crl_expired')], 'use_env' => false]);
        $this->assertStringContainsString('out of date', implode("\n", $stale['warnings']));

        $host = parse_url(self::url('expired'));
        $inspect = \TlsGuard\inspect($host['host'], ['port' => $host['port'], 'roots' => 'none', 'ca_file' => $kit->pki('root_ca')]);
        $this->assertFalse($inspect['verified']);
        $this->assertSame('CERT_EXPIRED', $inspect['verdict']->getErrorCode());
        $this->assertNotEmpty($inspect['chain']);
    }

    public function testPreparedVerifier(): void
    {
        $kit = Kit::get();
        $chain = file_get_contents($kit->pki('fullchain'));
        $v = new \TlsGuard\Verifier(['roots' => 'none', 'ca_file' => $kit->pki('root_ca'), 'use_env' => false]);
        $ok = $v->verify($chain, 'localhost');
        $this->assertTrue($ok['ok']);
        $this->assertNull($ok['error']);
        $this->assertInstanceOf(\TlsGuard\Certificate::class, $ok['path'][0]);
        $this->assertTrue($v->verify($chain)['ok'], 'no hostname: not checked');
        $later = $v->verify($chain, 'localhost', time() + 20 * 365 * 86400);
        $this->assertSame('CERT_EXPIRED', $later['error']->getErrorCode());
        $wrong = $v->verify($chain, 'example.com');
        $this->assertInstanceOf(\TlsGuard\CertificateException::class, $wrong['error']);
        $this->assertSame('CERT_HOSTNAME_MISMATCH', $wrong['error']->getErrorCode());
        // The verdicts of verify_chain.
        $one = \TlsGuard\verify_chain($chain, ['hostname' => 'example.com', 'roots' => 'none', 'ca_file' => $kit->pki('root_ca')]);
        $this->assertSame($one['error']->getErrorCode(), $wrong['error']->getErrorCode());
        try {
            $v->verify('junk');
            $this->fail('junk verified');
        } catch (\TlsGuard\InvalidArgumentException $e) {
            $this->assertSame('INVALID_PEM', $e->getErrorCode());
        }
        try {
            new \TlsGuard\Verifier(['hostname' => 'a.test']);
            $this->fail('hostname accepted as a Verifier option');
        } catch (\TlsGuard\InvalidArgumentException $e) {
            $this->assertStringContainsString('argument of verify()', $e->getMessage());
        }
    }

    public function testIniDefaultsApplyToEveryClient(): void
    {
        $kit = Kit::get();
        $so = self::extensionPath();
        $script = sprintf('$c = new TlsGuard\Client(); echo $c->get(%s)->getStatusCode(), " ", json_encode(TlsGuard\trust_report()["roots"]);'
            . ' try { (new TlsGuard\Client(["ca_file" => %s]))->get(%s); } catch (TlsGuard\CertificateException $e) { echo " ", $e->getErrorCode(); }',
            var_export(self::url('good'), true), var_export($kit->pki('untrusted_root_ca'), true), var_export(self::url('good'), true));
        // "none" must be quoted in php.ini syntax (a bare none is the empty string).
        $cmd = [PHP_BINARY, '-n', '-d', "extension=$so", '-d', 'tlsguard.roots="none"', '-d', 'tlsguard.ca_file=' . $kit->pki('root_ca'),
            '-d', 'tlsguard.timeout=5', '-r', $script];
        $out = self::exec($cmd);
        // Both come from php.ini; the second client's own ca_file replaces the ini one.
        $this->assertSame('200 "none" CERT_UNKNOWN_ISSUER', $out);
        // PHP_INI_SYSTEM: ini_set() cannot change it at run time.
        $out = self::exec([PHP_BINARY, '-n', '-d', "extension=$so", '-r', 'var_dump(ini_set("tlsguard.roots", "none"));']);
        $this->assertSame('bool(false)', $out);
        $out = self::exec([PHP_BINARY, '-n', '-d', "extension=$so", '-d', 'tlsguard.timeout=-3', '-r',
            'try { new TlsGuard\Client(); } catch (TlsGuard\InvalidArgumentException $e) { echo $e->getErrorCode(); }']);
        $this->assertSame('INVALID_ARGUMENT', $out);
    }

    public function testModuleInfo(): void
    {
        $out = self::exec([PHP_BINARY, '-n', '-d', 'extension=' . self::extensionPath(), '--ri', 'tlsguard']);
        $this->assertStringContainsString('version => ' . \TlsGuard\version(), $out);
        $this->assertStringContainsString('rustls version => ' . \TlsGuard\rustls_version(), $out);
        $this->assertMatchesRegularExpression('/trust source 1 => \w+/', $out);
        $this->assertMatchesRegularExpression('/^0\.23\.\d+/', \TlsGuard\rustls_version());
        $this->assertContains('tlsguard', get_loaded_extensions());
    }

    public function testDebugLogWithTlsguardLog(): void
    {
        $kit = Kit::get();
        $script = sprintf('echo (new TlsGuard\Client(["roots" => "none", "ca_file" => %s]))->get(%s)->getStatusCode();',
            var_export($kit->pki('root_ca'), true), var_export(self::url('good') . '?token=q5ecret', true));
        $cmd = [PHP_BINARY, '-n', '-d', 'extension=' . self::extensionPath(), '-r', $script];
        $run = function (array $env) use ($cmd): array {
            $p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env);
            $out = stream_get_contents($pipes[1]);
            $err = stream_get_contents($pipes[2]);
            proc_close($p);
            return [$out, $err];
        };
        $env = getenv();
        [$out, $err] = $run(['TLSGUARD_LOG' => 'debug'] + $env);
        $this->assertSame('200', $out, $err);
        foreach (['connecting to localhost:', 'certificate chain verified', '200 OK from localhost', 'new connection #'] as $step) {
            $this->assertStringContainsString($step, $err);
        }
        $this->assertStringNotContainsString('q5ecret', $err);
        unset($env['TLSGUARD_LOG']);
        [$out, $err] = $run($env);
        $this->assertSame(['200', ''], [$out, $err]);
    }

    /** The .so this process loaded (so subprocess checks test the same build). */
    public static function extensionPath(): string
    {
        $env = getenv('TLSGUARD_PHP_EXT');
        if ($env) {
            return $env;
        }
        foreach (file('/proc/self/maps') ?: [] as $line) {
            if (preg_match('#\s(/\S*(?:libtlsguard_php|tlsguard)\.so)$#', trim($line), $m)) {
                return $m[1];
            }
        }
        self::markTestSkipped('set TLSGUARD_PHP_EXT to the path of the loaded libtlsguard_php.so');
    }

    public static function exec(array $cmd): string
    {
        $p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        $out = stream_get_contents($pipes[1]);
        $err = stream_get_contents($pipes[2]);
        proc_close($p);
        return trim($out . ($err !== '' ? "\n[stderr] $err" : ''));
    }
}
