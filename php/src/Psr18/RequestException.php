<?php
declare(strict_types=1);

namespace TlsGuard\Psr18;

use Psr\Http\Client\RequestExceptionInterface;
use Psr\Http\Message\RequestInterface;

/** The request could not be sent as given (INVALID_URL, INVALID_ARGUMENT, ...). */
final class RequestException extends ClientException implements RequestExceptionInterface
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
