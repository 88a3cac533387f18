<?php
declare(strict_types=1);

namespace TlsGuard\Psr7;

use Psr\Http\Message\StreamInterface;
use TlsGuard\TlsGuardException;

/**
 * A TlsGuard\Stream (a native response body) as a real Psr\Http\Message\StreamInterface: the
 * same body, read as the native stream reads it (a buffered body or a sink seeks; a body read
 * as it arrives, 'stream' => true, does not and has no size). Nothing is copied.
 *
 * As PSR-7 says, a failure while reading throws \RuntimeException: a tlsguard failure of a
 * streamed body (a stall past read_timeout, a broken connection) is its getPrevious(), with
 * its getErrorCode().
 */
final class Stream implements StreamInterface
{
    private int $read = 0;

    /**
     * @param null|callable(int): void $onRead called with the bytes read so far after each
     *   read of a body read as it arrives (the Guzzle handler's `progress`)
     */
    public function __construct(private \TlsGuard\Stream $inner, private $onRead = null)
    {
    }

    /** The native stream. */
    public function getNative(): \TlsGuard\Stream
    {
        return $this->inner;
    }

    private function call(callable $f): mixed
    {
        try {
            return $f();
        } catch (TlsGuardException $e) {
            throw new \RuntimeException($e->getMessage(), 0, $e);
        }
    }

    private function counted(string $bytes): string
    {
        if ($this->onRead !== null && $bytes !== '') {
            $this->read += strlen($bytes);
            ($this->onRead)($this->read);
        }
        return $bytes;
    }

    public function __toString(): string
    {
        // PSR-7: __toString never throws; a failed read gives ''.
        try {
            return $this->counted((string) $this->inner);
        } catch (\Throwable) {
            return '';
        }
    }

    public function close(): void
    {
        $this->call(fn () => $this->inner->close());
    }

    public function detach()
    {
        return $this->inner->detach();
    }

    public function getSize(): ?int
    {
        return $this->call(fn () => $this->inner->getSize());
    }

    public function tell(): int
    {
        return $this->call(fn () => $this->inner->tell());
    }

    public function eof(): bool
    {
        return $this->call(fn () => $this->inner->eof());
    }

    public function isSeekable(): bool
    {
        return $this->call(fn () => $this->inner->isSeekable());
    }

    public function seek($offset, $whence = SEEK_SET): void
    {
        $this->call(fn () => $this->inner->seek((int) $offset, (int) $whence));
    }

    public function rewind(): void
    {
        $this->call(fn () => $this->inner->rewind());
    }

    public function isWritable(): bool
    {
        return false;
    }

    public function write($string): int
    {
        return $this->call(fn () => $this->inner->write((string) $string));
    }

    public function isReadable(): bool
    {
        return $this->inner->isReadable();
    }

    public function read($length): string
    {
        return $this->counted($this->call(fn () => $this->inner->read((int) $length)));
    }

    public function getContents(): string
    {
        return $this->counted($this->call(fn () => $this->inner->getContents()));
    }

    public function getMetadata($key = null)
    {
        return $this->call(fn () => $this->inner->getMetadata($key));
    }
}
