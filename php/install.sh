#!/bin/sh
# Installs the tlsguard PHP extension into the system PHP and enables it.
#
#   php/install.sh [path/to/libtlsguard_php.so]
#
# Default .so: target/release/libtlsguard_php.so of this workspace (cargo build --release -p tlsguard-php).
# Copies it to `php-config --extension-dir`/tlsguard.so, writes the ini file (Debian:
# /etc/php/<ver>/mods-available/tlsguard.ini + `phpenmod tlsguard`; elsewhere the conf.d
# directory of `php --ini`), and checks that `php -m` lists tlsguard. Run as root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
so=${1:-"$here/../target/release/libtlsguard_php.so"}
[ -f "$so" ] || { echo "install.sh: $so not found; build it with: cargo build --release -p tlsguard-php" >&2; exit 1; }
command -v php-config >/dev/null || { echo "install.sh: php-config not found (Debian: apt-get install php8.2-dev)" >&2; exit 1; }

extdir=$(php-config --extension-dir)
install -d "$extdir"
install -m 0644 "$so" "$extdir/tlsguard.so"
echo "installed $extdir/tlsguard.so"

ver=$(php -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;')
if command -v phpenmod >/dev/null && [ -d "/etc/php/$ver/mods-available" ]; then
    ini="/etc/php/$ver/mods-available/tlsguard.ini"
    if [ ! -f "$ini" ]; then
        { echo "; priority=20"; cat "$here/tlsguard.ini"; } > "$ini"
    fi
    phpenmod -v "$ver" tlsguard
    echo "enabled $ini (phpenmod)"
else
    scandir=$(php --ini | sed -n 's/^Scan for additional .ini files in: *//p')
    [ -n "$scandir" ] && [ "$scandir" != "(none)" ] || { echo "install.sh: PHP has no conf.d; add 'extension=tlsguard' to php.ini" >&2; exit 1; }
    [ -f "$scandir/20-tlsguard.ini" ] || cp "$here/tlsguard.ini" "$scandir/20-tlsguard.ini"
    echo "enabled $scandir/20-tlsguard.ini"
fi

php -m | grep -qx tlsguard || { echo "install.sh: php -m does not list tlsguard" >&2; exit 1; }
php --ri tlsguard | sed -n '1,6p'
