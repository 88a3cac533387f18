<?php
declare(strict_types=1);

namespace TlsGuard\Psr18;

use Psr\Http\Client\ClientInterface;
use Psr\Http\Message\RequestInterface;
use Psr\Http\Message\ResponseFactoryInterface;
use Psr\Http\Message\ResponseInterface;
use Psr\Http\Message\StreamFactoryInterface;
use TlsGuard\InvalidArgumentException;
use TlsGuard\NetworkException as TlsNetwork;
use TlsGuard\TlsGuardException;

/**
 * PSR-18 adapter over a TlsGuard\Client. Pass PSR-17 factories (any implementation); without
 * them Nyholm's Psr17Factory is used when installed.
 *
 * Errors: a request that could not be sent as given (INVALID_URL, INVALID_ARGUMENT) throws
 * RequestException; every other tlsguard refusal (certificate, TLS, network, timeout, policy,
 * HTTP protocol) throws NetworkException. The tlsguard exception is getPrevious().
 */
final class Client implements ClientInterface
{
    private ResponseFactoryInterface $responses;
    private StreamFactoryInterface $streams;

    public function __construct(
        private \TlsGuard\Client $client,
        ?ResponseFactoryInterface $responseFactory = null,
        ?StreamFactoryInterface $streamFactory = null,
    ) {
        if ($responseFactory === null || $streamFactory === null) {
            if (!class_exists(\Nyholm\Psr7\Factory\Psr17Factory::class)) {
                throw new \LogicException('pass PSR-17 response and stream factories (or install nyholm/psr7)');
            }
            $factory = new \Nyholm\Psr7\Factory\Psr17Factory();
        }
        $this->responses = $responseFactory ?? $factory;
        $this->streams = $streamFactory ?? $factory;
    }

    public function sendRequest(RequestInterface $request): ResponseInterface
    {
        $headers = [];
        foreach ($request->getHeaders() as $name => $values) {
            if (strtolower((string) $name) === 'host') {
                continue; // derived from the URL
            }
            $headers[(string) $name] = $values;
        }
        $options = ['headers' => $headers, 'http_errors' => false]; // PSR-18: every status is a response
        $body = $request->getBody();
        if ($body->isSeekable()) {
            $body->rewind();
        }
        $content = $body->getContents();
        if ($content !== '') {
            $options['body'] = $content;
        }
        try {
            $r = $this->client->request($request->getMethod(), (string) $request->getUri(), $options);
        } catch (InvalidArgumentException $e) {
            throw new RequestException($e->getMessage(), $request, $e);
        } catch (TlsGuardException $e) {
            throw new NetworkException($e->getMessage(), $request, $e);
        }
        $response = $this->responses->createResponse($r->getStatusCode(), $r->getReasonPhrase())
            ->withProtocolVersion(substr($r->getHttpVersion(), 5)) // "HTTP/1.1" -> "1.1", "HTTP/2" -> "2"
            ->withBody($this->streams->createStream((string) $r->getBody()));
        foreach ($r->getHeaders() as $name => $values) {
            $response = $response->withAddedHeader($name, $values);
        }
        return $response;
    }
}
