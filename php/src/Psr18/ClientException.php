<?php
declare(strict_types=1);

namespace TlsGuard\Psr18;

use Psr\Http\Client\ClientExceptionInterface;

/** Base of the adapter's exceptions; getPrevious() is the TlsGuard\TlsGuardException. */
class ClientException extends \RuntimeException implements ClientExceptionInterface
{
    /** The tlsguard error code (CERT_EXPIRED, ...), or '' when there is none. */
    public function getErrorCode(): string
    {
        $p = $this->getPrevious();
        return $p instanceof \TlsGuard\TlsGuardException ? $p->getErrorCode() : '';
    }
}
