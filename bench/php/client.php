<?php
// Every PHP client of the benchmark: tlsguard's extension, ext-curl and Guzzle for the HTTP
// workloads, tlsguard and ext-openssl for the certificate work. This file is the definition of
// what is measured; the contract (arguments, JSON line, exit codes) is bench/README.md.
//
//   php -d extension=$PWD/target/release/libtlsguard_php.so bench/php/client.php \
//       --client NAME --workload W --n N --url https://127.0.0.1:PORT --ca ROOT.pem \
//       [--concurrency C] [--http2] [--leaf LEAF.pem --chain INTER.pem --host localhost]
//
// stdout: exactly one JSON line. stderr: everything else. Exit 0 = measured, 1 = failure,
// 3 = this client does not support this workload.
declare(strict_types=1);

const EXIT_FAILURE = 1;
const EXIT_UNSUPPORTED = 3;

/** Which path each HTTP workload GETs, and the body length every response must have. */
const HTTP_WORKLOADS = [
    'W1' => ['/1k', 1024],          // N sequential GETs, one reused connection
    'W2' => ['/1k', 1024],          // N sequential GETs, a new TCP + TLS connection each
    'W3' => ['/10m', 10485760],     // N sequential GETs of 10 MiB
    'W4' => ['/1k', 1024],          // N GETs, --concurrency in flight
    'M1' => ['/1k', 1024],          // W1 (tlsguard only) + memory at request 1,000 and at the end
    'S1' => ['/256m', 268435456],   // N sequential GETs of 256 MiB, each body counted as it streams
];
const CERT_WORKLOADS = ['C1-parse', 'C1-verify'];

/** S1 with curl: the bytes the write callback has counted for the current request. */
$GLOBALS['s1_streamed'] = 0;

final class Unsupported extends Exception {}

/** Throws unless a response is a 200 with a body of the expected length. */
function check(int $status, int $length, int $expected): void
{
    if ($status !== 200 || $length !== $expected) {
        throw new RuntimeException("bad response: status $status, body of $length bytes (expected 200, $expected bytes)");
    }
}

function seconds_since(int $t0): float
{
    return (hrtime(true) - $t0) / 1e9;
}

function rss_kib(): int
{
    preg_match('/^VmRSS:\s+(\d+) kB/m', (string) file_get_contents('/proc/self/status'), $m);
    return (int) ($m[1] ?? 0);
}

// ---------------------------------------------------------------------------------------------
// tlsguard: TlsGuard\Client trusting only the root. W1/W2/W3/M1 call get() in a loop; W4 hands
// all N requests to requestMany() at once with the concurrency limit, as a user would; S1 reads
// stream()'s body with read() until eof().

function run_tlsguard(array $a): array
{
    [$path, $size] = HTTP_WORKLOADS[$a['workload']];
    $url = $a['url'] . $path;
    $options = ['roots' => 'none', 'ca_file' => $a['ca']];
    if ($a['http2']) {
        $options['http2'] = true;
    }
    if ($a['workload'] === 'W2') {
        $options['keep_alive'] = false;
    }
    $client = new TlsGuard\Client($options);

    $bytes = 0;
    $mem = [];
    $t0 = hrtime(true);
    if ($a['workload'] === 'S1') {
        // stream(): the head at once, the body read as it arrives, 64 KiB at a time.
        for ($i = 1; $i <= $a['n']; $i++) {
            $r = $client->stream('GET', $url);
            $length = 0;
            while (!$r->eof()) {
                $length += strlen($r->read(65536));
            }
            check($r->getStatusCode(), $length, $size);
            $bytes += $length;
        }
    } elseif ($a['workload'] === 'W4') {
        $responses = $client->requestMany(array_fill(0, $a['n'], ['GET', $url]), $a['concurrency']);
        foreach ($responses as $r) {
            if ($r instanceof Throwable) {
                throw $r; // a failed request's slot holds its TlsGuardException
            }
            $body = (string) $r->getBody();
            check($r->getStatusCode(), strlen($body), $size);
            $bytes += strlen($body);
        }
    } else {
        $memAt = min(1000, $a['n']); // M1: the first reading after 1,000 requests
        for ($i = 1; $i <= $a['n']; $i++) {
            $r = $client->get($url);
            $body = (string) $r->getBody();
            check($r->getStatusCode(), strlen($body), $size);
            $bytes += strlen($body);
            if ($i === $memAt && $a['workload'] === 'M1') {
                $mem = ['rss_start_kib' => rss_kib(), 'php_mem_start' => memory_get_usage()];
            }
        }
    }
    $seconds = seconds_since($t0);
    if ($a['workload'] === 'M1') {
        $mem += ['rss_end_kib' => rss_kib(), 'php_mem_end' => memory_get_usage()];
    }
    return ['ops' => $a['n'], 'seconds' => $seconds, 'bytes' => $bytes, 'http' => $r->getHttpVersion()] + $mem;
}

// ---------------------------------------------------------------------------------------------
// ext-curl: one easy handle reused (its connection cache gives keep-alive), HTTP/1.1 forced,
// CAINFO = the root. W2: FRESH_CONNECT + FORBID_REUSE. W4: curl_multi with C reused handles,
// C kept in flight until N are done.

function curl_http_version(int $v): string
{
    return [CURL_HTTP_VERSION_1_0 => 'HTTP/1.0', CURL_HTTP_VERSION_1_1 => 'HTTP/1.1', CURL_HTTP_VERSION_2_0 => 'HTTP/2'][$v] ?? "curl version $v";
}

function curl_handle(string $url, array $a): CurlHandle
{
    $ch = curl_init();
    curl_setopt_array($ch, [
        CURLOPT_URL => $url,
        CURLOPT_RETURNTRANSFER => true,                   // the body as a string
        CURLOPT_HTTP_VERSION => CURL_HTTP_VERSION_1_1,    // libcurl would negotiate h2 by ALPN
        CURLOPT_CAINFO => $a['ca'],                       // verification is on by default (peer + host)
    ]);
    if ($a['workload'] === 'W2') {
        curl_setopt($ch, CURLOPT_FRESH_CONNECT, true);    // never take a cached connection
        curl_setopt($ch, CURLOPT_FORBID_REUSE, true);     // and close each one after its request
    }
    if ($a['workload'] === 'S1') {
        // Each chunk as libcurl receives it, counted and dropped (curl_exec then returns true).
        curl_setopt($ch, CURLOPT_WRITEFUNCTION, function (CurlHandle $h, string $chunk): int {
            $GLOBALS['s1_streamed'] += strlen($chunk);
            return strlen($chunk);
        });
    }
    return $ch;
}

function run_curl(array $a): array
{
    [$path, $size] = HTTP_WORKLOADS[$a['workload']];
    $url = $a['url'] . $path;
    $bytes = 0;
    if ($a['workload'] !== 'W4') {
        $ch = curl_handle($url, $a);
        $t0 = hrtime(true);
        for ($i = 0; $i < $a['n']; $i++) {
            $body = curl_exec($ch);
            if ($body === false) {
                throw new RuntimeException('curl: ' . curl_error($ch));
            }
            $length = $a['workload'] === 'S1' ? $GLOBALS['s1_streamed'] : strlen($body);
            $GLOBALS['s1_streamed'] = 0;
            check(curl_getinfo($ch, CURLINFO_RESPONSE_CODE), $length, $size);
            $bytes += $length;
        }
        $seconds = seconds_since($t0);
        return ['ops' => $a['n'], 'seconds' => $seconds, 'bytes' => $bytes, 'http' => curl_http_version(curl_getinfo($ch, CURLINFO_HTTP_VERSION))];
    }

    $mh = curl_multi_init();
    $handles = [];
    for ($i = 0; $i < min($a['concurrency'], $a['n']); $i++) {
        $handles[] = curl_handle($url, $a);
    }
    $t0 = hrtime(true);
    $started = 0;
    foreach ($handles as $ch) {
        curl_multi_add_handle($mh, $ch);
        $started++;
    }
    $done = 0;
    while ($done < $a['n']) {
        $rc = curl_multi_exec($mh, $active);
        if ($rc !== CURLM_OK) {
            throw new RuntimeException('curl_multi: ' . curl_multi_strerror($rc));
        }
        while (($info = curl_multi_info_read($mh)) !== false) {
            $ch = $info['handle'];
            if ($info['result'] !== CURLE_OK) {
                throw new RuntimeException('curl: ' . curl_strerror($info['result']) . ': ' . curl_error($ch));
            }
            $body = curl_multi_getcontent($ch);
            check(curl_getinfo($ch, CURLINFO_RESPONSE_CODE), strlen($body), $size);
            $bytes += strlen($body);
            $done++;
            $http = curl_getinfo($ch, CURLINFO_HTTP_VERSION);
            curl_multi_remove_handle($mh, $ch);
            if ($started < $a['n']) {                     // reuse the handle for the next request
                curl_multi_add_handle($mh, $ch);
                $started++;
            }
        }
        if ($active && $done < $a['n']) {
            curl_multi_select($mh, 1.0);
        }
    }
    $seconds = seconds_since($t0);
    return ['ops' => $a['n'], 'seconds' => $seconds, 'bytes' => $bytes, 'http' => curl_http_version($http)];
}

// ---------------------------------------------------------------------------------------------
// Guzzle 7 (Debian's package): one Client with verify = the root and HTTP/1.1, the default
// handler stack (curl). W2: curl FRESH_CONNECT + FORBID_REUSE through the 'curl' option.
// W4: GuzzleHttp\Pool with concurrency C. Bodies are read with (string) $response->getBody().

function run_guzzle(array $a): array
{
    if (!extension_loaded('curl')) { // without it Guzzle quietly uses its PHP-stream handler
        throw new RuntimeException('guzzle: ext-curl is not loaded (apt-get install php8.2-curl)');
    }
    require_once getenv('GUZZLE_AUTOLOAD') ?: '/usr/share/php/GuzzleHttp/autoload.php';
    [$path, $size] = HTTP_WORKLOADS[$a['workload']];
    $url = $a['url'] . $path;
    $config = ['verify' => $a['ca'], 'version' => '1.1', 'http_errors' => false]; // check() judges the status
    if ($a['workload'] === 'W2') {
        $config['curl'] = [CURLOPT_FRESH_CONNECT => true, CURLOPT_FORBID_REUSE => true];
    }
    $client = new GuzzleHttp\Client($config);

    $bytes = 0;
    $http = null;
    $onResponse = function (Psr\Http\Message\ResponseInterface $r) use ($size, &$bytes, &$http): void {
        $body = (string) $r->getBody();
        check($r->getStatusCode(), strlen($body), $size);
        $bytes += strlen($body);
        $http = 'HTTP/' . $r->getProtocolVersion();
    };
    $t0 = hrtime(true);
    if ($a['workload'] === 'W4') {
        $requests = function () use ($a, $url): Generator {
            for ($i = 0; $i < $a['n']; $i++) {
                yield new GuzzleHttp\Psr7\Request('GET', $url);
            }
        };
        $pool = new GuzzleHttp\Pool($client, $requests(), [
            'concurrency' => $a['concurrency'],
            'fulfilled' => $onResponse,
            'rejected' => function ($reason): void {
                throw $reason instanceof Throwable ? $reason : new RuntimeException('guzzle: ' . print_r($reason, true));
            },
        ]);
        $pool->promise()->wait();
    } else {
        for ($i = 0; $i < $a['n']; $i++) {
            if ($a['workload'] === 'S1') {
                // 'stream' => true: the body is read from the connection as it is consumed.
                $r = $client->get($url, ['stream' => true]);
                $body = $r->getBody();
                $length = 0;
                while (!$body->eof()) {
                    $length += strlen($body->read(65536));
                }
                check($r->getStatusCode(), $length, $size);
                $bytes += $length;
                $http = 'HTTP/' . $r->getProtocolVersion();
                continue;
            }
            $onResponse($client->get($url));
        }
    }
    $seconds = seconds_since($t0);
    return ['ops' => $a['n'], 'seconds' => $seconds, 'bytes' => $bytes, 'http' => $http];
}

// ---------------------------------------------------------------------------------------------
// Certificates. C1-parse: parse the leaf from PEM. C1-verify: verify leaf + intermediate against
// the root for --host. Each operation's result is checked once before the timer, and each
// iteration's result is checked in the loop (a cheap comparison).

function run_certs(array $a): array
{
    $leaf = file_get_contents($a['leaf']);
    $parse = $a['workload'] === 'C1-parse';
    if ($a['client'] === 'tlsguard' && $parse) {
        // A TlsGuard\Certificate with every field decoded (getters read Rust fields).
        $op = fn () => TlsGuard\Certificate::fromPem($leaf) instanceof TlsGuard\Certificate;
    } elseif ($a['client'] === 'openssl' && $parse) {
        // Parse + the full PHP array of fields.
        $op = fn () => is_array(openssl_x509_parse($leaf));
    } elseif ($a['client'] === 'tlsguard') {
        // The whole verification a request does: path building + signatures (rustls-webpki),
        // validity, EKU serverAuth, host name, with a prepared TlsGuard\Verifier (the root
        // loaded once).
        $chain = $leaf . file_get_contents($a['chain']);
        $verifier = new TlsGuard\Verifier(['roots' => 'none', 'ca_pem' => file_get_contents($a['ca']), 'use_env' => false]);
        $host = $a['host'];
        $op = fn () => $verifier->verify($chain, $host)['ok'] === true;
        $first = $verifier->verify($chain, $host);
        if ($first['ok'] !== true) {
            throw $first['error'] ?? new RuntimeException('verify_chain: not ok');
        }
    } else {
        // OpenSSL's full chain verification with the SSL-server purpose, as the peer study did.
        // NO host-name check (PHP has no API for one outside a connection), and OpenSSL reads
        // both files on every call. Reported with "note" so it is not mistaken for the same op.
        fwrite(STDERR, "openssl C1-verify: openssl_x509_checkpurpose, no host-name check\n");
        $op = fn () => openssl_x509_checkpurpose($leaf, X509_PURPOSE_SSL_SERVER, [$a['ca']], $a['chain']) === true;
    }
    if (!$op()) {
        throw new RuntimeException("{$a['client']} {$a['workload']}: the operation failed");
    }
    $t0 = hrtime(true);
    for ($i = 0; $i < $a['n']; $i++) {
        if (!$op()) {
            throw new RuntimeException("{$a['client']} {$a['workload']}: the operation failed at iteration $i");
        }
    }
    $seconds = seconds_since($t0);
    $out = ['ops' => $a['n'], 'seconds' => $seconds, 'bytes' => 0];
    if ($a['client'] === 'openssl' && !$parse) {
        $out['note'] = 'openssl_x509_checkpurpose: no host-name check, files read per call';
    }
    return $out;
}

// ---------------------------------------------------------------------------------------------

function parse_args(): array
{
    $o = getopt('', ['client:', 'workload:', 'n:', 'url:', 'ca:', 'concurrency:', 'leaf:', 'chain:', 'host:', 'http2']);
    foreach (['client', 'workload', 'n'] as $k) {
        if (!isset($o[$k]) || !is_string($o[$k])) {
            throw new InvalidArgumentException("--$k is required (once)");
        }
    }
    $a = [
        'client' => $o['client'],
        'workload' => $o['workload'] === 'W2R' ? 'W2' : $o['workload'], // W2R = W2 on the resuming server
        'n' => (int) $o['n'],
        'url' => rtrim((string) ($o['url'] ?? ''), '/'),
        'ca' => (string) ($o['ca'] ?? ''),
        'concurrency' => (int) ($o['concurrency'] ?? 32),
        'leaf' => (string) ($o['leaf'] ?? ''),
        'chain' => (string) ($o['chain'] ?? ''),
        'host' => (string) ($o['host'] ?? 'localhost'),
        'http2' => isset($o['http2']),
    ];
    if ($a['n'] < 1 || $a['concurrency'] < 1) {
        throw new InvalidArgumentException('--n and --concurrency must be positive');
    }
    if (!in_array($a['client'], ['tlsguard', 'curl', 'guzzle', 'openssl'], true)) {
        throw new InvalidArgumentException("unknown client {$a['client']}");
    }
    $cert = in_array($a['workload'], CERT_WORKLOADS, true);
    if (!$cert && !isset(HTTP_WORKLOADS[$a['workload']])) {
        throw new InvalidArgumentException("unknown workload {$a['workload']}");
    }
    $supported = $cert ? in_array($a['client'], ['tlsguard', 'openssl'], true)
        : ($a['client'] === 'tlsguard' || (in_array($a['client'], ['curl', 'guzzle'], true) && $a['workload'] !== 'M1'));
    if (!$supported) {
        throw new Unsupported("client {$a['client']} does not support workload {$a['workload']}");
    }
    $need = $cert ? ($a['workload'] === 'C1-verify' ? ['leaf', 'chain', 'ca'] : ['leaf']) : ['url', 'ca'];
    foreach ($need as $k) {
        if ($a[$k] === '') {
            throw new InvalidArgumentException("--$k is required for {$a['workload']}");
        }
    }
    return $a;
}

// Warnings and notices (a missing file, ...) are failures too. Deprecations are not: Debian's
// Guzzle 7.4.5 creates a dynamic property on PHP 8.2 (CurlMultiHandler::$_mh), which is harmless.
ini_set('display_errors', 'stderr');
set_error_handler(function (int $severity, string $message, string $file, int $line): bool {
    if ($severity & (E_DEPRECATED | E_USER_DEPRECATED)) {
        return true;
    }
    throw new ErrorException($message, 0, $severity, $file, $line);
});

try {
    $a = parse_args();
    $result = match (true) {
        in_array($a['workload'], CERT_WORKLOADS, true) => run_certs($a),
        $a['client'] === 'tlsguard' => run_tlsguard($a),
        $a['client'] === 'curl' => run_curl($a),
        $a['client'] === 'guzzle' => run_guzzle($a),
    };
    echo json_encode($result, JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR), "\n";
    exit(0);
} catch (Unsupported $e) {
    fwrite(STDERR, $e->getMessage() . "\n");
    exit(EXIT_UNSUPPORTED);
} catch (Throwable $e) {
    fwrite(STDERR, get_class($e) . ': ' . $e->getMessage() . "\n");
    exit(EXIT_FAILURE);
}
