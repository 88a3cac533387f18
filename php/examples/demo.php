<?php
// tlsguard demo: one verified request and three refusals, each explained.
//   php -d extension=/abs/libtlsguard_php.so php/examples/demo.php /path/to/manifest.json
// (the manifest of `tlsguard-testkit serve --dir DIR`)
declare(strict_types=1);

if ($argc < 2 || !is_file($argv[1])) {
    fwrite(STDERR, "usage: php demo.php MANIFEST.json\n");
    exit(2);
}
if (!extension_loaded('tlsguard')) {
    fwrite(STDERR, "the tlsguard extension is not loaded (php -d extension=/abs/path/libtlsguard_php.so ...)\n");
    exit(2);
}
$manifest = json_decode((string) file_get_contents($argv[1]), true, 512, JSON_THROW_ON_ERROR);
$scenarios = array_column($manifest['scenarios'], null, 'name');

printf("tlsguard %s for PHP %s (rustls %s)\n\n", TlsGuard\version(), PHP_VERSION, TlsGuard\rustls_version());
$failed = 0;
foreach (['good' => 'a verified request', 'expired' => 'an expired certificate',
    'missing_intermediate' => 'a server that omits its intermediate', 'tls10_only' => 'a TLS 1.0-only server'] as $name => $what) {
    $s = $scenarios[$name];
    echo "── $what\n   {$s['method']} {$s['url']}\n";
    try {
        $r = (new TlsGuard\Client($s['options']))->request($s['method'], $s['url']);
        $leaf = $r->getPeerCertificates()[0] ?? null;
        printf("   ✔ %d %s over %s, %s, %s\n", $r->getStatusCode(), $r->getHttpVersion(), $r->getTlsVersion(),
            $r->getCipherSuite(), $leaf ? 'certificate ' . $leaf->getDisplayName() . ' valid until ' . $leaf->getNotAfter()->format('Y-m-d') : '');
        $ok = $s['expect']['code'] === null;
    } catch (TlsGuard\TlsGuardException $e) {
        $class = substr(strrchr(get_class($e), '\\'), 1);
        printf("   ✘ refused: %s (%s)\n     %s\n     fix: %s\n", $e->getErrorCode(), $class, $e->getMessage(), $e->getHint());
        $ok = $s['expect']['code'] === $e->getErrorCode();
    }
    if (!$ok) {
        echo "   !! expected ", $s['expect']['code'] ?? 'success', "\n";
        $failed++;
    }
    echo "\n";
}
exit($failed === 0 ? 0 : 1);
