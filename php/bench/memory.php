<?php
// 10,000 requests in one process: memory_get_usage() and RSS (VmRSS) before and after.
//   php -d extension=/abs/libtlsguard_php.so php/bench/memory.php [MANIFEST.json] [N]
// Without a manifest it starts target/{debug,release}/tlsguard-testkit itself.
declare(strict_types=1);

function rss_kib(): int
{
    preg_match('/^VmRSS:\s+(\d+) kB/m', (string) file_get_contents('/proc/self/status'), $m);
    return (int) ($m[1] ?? 0);
}

$n = (int) ($argv[2] ?? 10000);
$proc = null;
if (isset($argv[1]) && is_file($argv[1])) {
    $manifestPath = $argv[1];
} else {
    $root = dirname(__DIR__, 2);
    $bin = getenv('TLSGUARD_TESTKIT') ?: (is_file("$root/target/release/tlsguard-testkit") ? "$root/target/release/tlsguard-testkit" : "$root/target/debug/tlsguard-testkit");
    $dir = sys_get_temp_dir() . '/tlsguard-php-bench-' . getmypid();
    @mkdir($dir, 0700, true);
    $proc = proc_open([$bin, 'serve', '--dir', $dir], [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => STDERR], $pipes);
    $line = (string) fgets($pipes[1]);
    $manifestPath = trim(substr($line, 6));
}
$manifest = json_decode((string) file_get_contents($manifestPath), true, 512, JSON_THROW_ON_ERROR);
$s = array_column($manifest['scenarios'], null, 'name');
$client = new TlsGuard\Client($s['good']['options']);
$expired = $s['expired'];

// Warm-up: runtime, pool, first connections.
for ($i = 0; $i < 200; $i++) {
    $client->get($s['good']['url'])->getBody()->getContents();
}
gc_collect_cycles();
$mem0 = memory_get_usage();
$rss0 = rss_kib();
$t0 = microtime(true);
$errors = 0;
for ($i = 0; $i < $n; $i++) {
    if ($i % 10 === 9) { // every tenth request is refused, so exceptions are measured too
        try {
            (new TlsGuard\Client($expired['options']))->get($expired['url']);
        } catch (TlsGuard\CertificateException $e) {
            $errors++;
        }
        continue;
    }
    $r = $client->get($s['good']['url'], ['headers' => ['x-i' => (string) $i]]);
    $r->getBody()->getContents();
    $r->getHeaders();
}
$elapsed = microtime(true) - $t0;
gc_collect_cycles();
$mem1 = memory_get_usage();
$rss1 = rss_kib();
printf("requests: %d (%d refused with CERT_EXPIRED) in %.1f s\n", $n, $errors, $elapsed);
printf("memory_get_usage: %d -> %d bytes (%+d)\n", $mem0, $mem1, $mem1 - $mem0);
printf("RSS: %d -> %d KiB (%+d KiB)\n", $rss0, $rss1, $rss1 - $rss0);
if ($proc !== null) {
    fclose($pipes[0]);
    proc_close($proc);
}
