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
 * As PSR-18 (and Guzzle's sendRequest()) says, every status is a response: a 3xx is returned,
 * not followed, and a 4xx/5xx does not throw. The body is decoded by tlsguard; a response whose
 * Content-Encoding tlsguard decoded loses that header and gets the decoded Content-Length, so a
 * downstream decoder does not decode it twice (the rule of the Python adapters).
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
        // PSR-18: every status is a response, a redirect included.
        $options = ['headers' => $headers, 'http_errors' => false, 'allow_redirects' => false];
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
        $body = (string) $r->getBody();
        $response = $this->responses->createResponse($r->getStatusCode(), $r->getReasonPhrase())
            ->withProtocolVersion($r->getProtocolVersion())
            ->withBody($this->streams->createStream($body));
        foreach (self::headersFor($r->getHeaders(), $body, $r->isBodyDecoded()) as $name => $values) {
            $response = $response->withAddedHeader($name, $values);
        }
        return $response;
    }

    /**
     * The headers of a response whose body tlsguard decoded ($decoded: the response's
     * isBodyDecoded(), every coding one tlsguard decodes): without Content-Encoding, and with the
     * decoded Content-Length. Other responses (no coding, a coding tlsguard does not decode, no
     * body) keep their headers as received.
     *
     * @param array<string, list<string>> $headers
     * @return array<string, list<string>>
     */
    public static function headersFor(array $headers, string $body, bool $decoded): array
    {
        if (!$decoded || $body === '') {
            return $headers;
        }
        unset($headers['content-encoding'], $headers['content-length']);
        $headers['content-length'] = [(string) strlen($body)];
        return $headers;
    }
}
