package ekt.serve.http;

import java.time.Duration;

/**
 * What one client may cost the server. The header and body timeouts are deadlines for the whole
 * header block / body, not per read, so a client trickling a byte at a time cannot hold a
 * connection longer than they allow.
 *
 * @param maxHeaderBytes request line plus headers (431 beyond)
 * @param maxBodyBytes   request body (413 beyond, answered before reading it)
 * @param headerTimeout  from the first byte of a request to the end of its headers (408 after)
 * @param bodyTimeout    from the end of the headers to the end of the body (408 after)
 * @param idleTimeout    a kept-alive connection waiting for its next request is closed after this
 * @param maxConnections connections served at once; more are answered 503 and closed
 */
public record HttpLimits(int maxHeaderBytes, long maxBodyBytes, Duration headerTimeout, Duration bodyTimeout, Duration idleTimeout,
                         int maxConnections) {
    /**
     * @return the server's defaults: 16 KiB of headers, 8 MiB of body, 10 s for the headers, 30 s for
     *         the body, 60 s idle, 1024 connections
     */
    public static HttpLimits defaults() {
        return new HttpLimits(16 * 1024, 8L << 20, Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60), 1024);
    }
}
