<?php
// PHPUnit bootstrap: the extension must be loaded (php -d extension=/abs/libtlsguard_php.so),
// the PSR packages come from Debian's /usr/share/php, the adapter from ../src.
declare(strict_types=1);

if (!extension_loaded('tlsguard')) {
    fwrite(STDERR, "tlsguard is not loaded: run php -d extension=/abs/path/libtlsguard_php.so /usr/bin/phpunit ...\n");
    exit(2);
}
foreach (['Psr/Http/Message/autoload.php', 'Psr/Http/Client/autoload.php', 'Nyholm/Psr7/autoload.php', 'GuzzleHttp/autoload.php'] as $f) {
    if (is_file("/usr/share/php/$f")) {
        require_once "/usr/share/php/$f";
    }
}
spl_autoload_register(function (string $class): void {
    // composer.json's autoload and autoload-dev.
    foreach (['TlsGuard\\Psr18\\' => '/../src/Psr18/', 'TlsGuard\\Psr7\\' => '/../src/Psr7/', 'TlsGuard\\Guzzle\\' => '/../src/Guzzle/', 'TlsGuard\\Tests\\' => '/'] as $prefix => $dir) {
        if (str_starts_with($class, $prefix)) {
            $file = __DIR__ . $dir . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
            if (is_file($file)) {
                require $file;
            }
        }
    }
});
require_once __DIR__ . '/Kit.php';
