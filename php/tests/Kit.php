<?php
declare(strict_types=1);

namespace TlsGuard\Tests;

/** The shared test kit: `tlsguard-testkit serve --dir DIR`, stopped by closing its stdin. */
final class Kit
{
    private static ?Kit $instance = null;
    /** @var resource */
    private $proc;
    /** @var array<int, resource> */
    private array $pipes = [];
    public array $manifest;
    public string $manifestPath;

    public static function get(): Kit
    {
        return self::$instance ??= new Kit();
    }

    public static function binary(): string
    {
        $env = getenv('TLSGUARD_TESTKIT');
        if ($env) {
            return $env;
        }
        $root = dirname(__DIR__, 2);
        foreach (['target/debug/tlsguard-testkit', 'target/release/tlsguard-testkit'] as $rel) {
            if (is_file("$root/$rel")) {
                return "$root/$rel";
            }
        }
        throw new \RuntimeException('tlsguard-testkit not built: cargo build -p tlsguard-testkit (or set TLSGUARD_TESTKIT)');
    }

    private function __construct()
    {
        $dir = sys_get_temp_dir() . '/tlsguard-php-kit-' . getmypid();
        @mkdir($dir, 0700, true);
        $this->proc = proc_open([self::binary(), 'serve', '--dir', $dir], [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => STDERR], $this->pipes);
        if (!is_resource($this->proc)) {
            throw new \RuntimeException('cannot start the test kit');
        }
        $line = fgets($this->pipes[1]);
        if ($line === false || !str_starts_with($line, 'READY ')) {
            throw new \RuntimeException('test kit did not start: ' . var_export($line, true));
        }
        $this->manifestPath = trim(substr($line, 6));
        $this->manifest = json_decode((string) file_get_contents($this->manifestPath), true, 512, JSON_THROW_ON_ERROR);
        register_shutdown_function([$this, 'stop']);
    }

    public function stop(): void
    {
        if (is_resource($this->proc)) {
            fclose($this->pipes[0]);
            proc_close($this->proc);
        }
    }

    /** @return array<string, mixed> */
    public function scenario(string $name): array
    {
        foreach ($this->manifest['scenarios'] as $s) {
            if ($s['name'] === $name) {
                return $s;
            }
        }
        throw new \RuntimeException("no scenario $name");
    }

    public function pki(string $name): string
    {
        return $this->manifest['pki'][$name];
    }
}
