<?php
declare(strict_types=1);

namespace TlsGuard\Psr18;

use Psr\Http\Client\NetworkExceptionInterface;
use Psr\Http\Message\RequestInterface;

/** No response was received: certificate, TLS, network, timeout, policy or HTTP protocol refusal. */
final class NetworkException extends ClientException implements NetworkExceptionInterface
{
    public function __construct(string $message, private RequestInterface $request, ?\Throwable $previous = null)
    {
        parent::__construct($message, 0, $previous);
    }

    public function getRequest(): RequestInterface
    {
        return $this->request;
    }
}
