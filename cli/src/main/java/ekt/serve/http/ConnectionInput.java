package ekt.serve.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The reading side of one connection: requests parsed under the limits' size caps and deadlines.
 * Each socket read gets the time left to the current deadline as its timeout, so the deadline
 * bounds the whole header block or body however slowly the bytes arrive.
 */
final class ConnectionInput {
    private final Socket socket;
    private final InputStream in;
    private final HttpLimits limits;
    private byte[] buffer = new byte[8192];
    private int start, end;  // unread bytes: buffer[start, end)

    ConnectionInput(Socket socket, HttpLimits limits) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.limits = limits;
    }

    /**
     * The next request; null when the client closed the connection (or stayed idle past the idle
     * timeout) before sending one. {@code continueSender} answers "Expect: 100-continue".
     */
    HttpRequest next(String remote, Runnable continueSender) throws IOException, HttpError {
        if (start == end && !fill(System.nanoTime() + limits.idleTimeout().toNanos(), true)) return null;
        long headerDeadline = System.nanoTime() + limits.headerTimeout().toNanos();
        int headerEnd;
        while ((headerEnd = find(buffer, start, end)) < 0) {
            if (end - start > limits.maxHeaderBytes()) throw new HttpError(431, "request headers exceed " + limits.maxHeaderBytes() + " bytes");
            if (!fill(headerDeadline, false)) throw new HttpError(400, "connection closed inside the request headers");
        }
        if (headerEnd - start > limits.maxHeaderBytes()) throw new HttpError(431, "request headers exceed " + limits.maxHeaderBytes() + " bytes");
        String head = new String(buffer, start, headerEnd - start, StandardCharsets.ISO_8859_1);
        start = headerEnd + 4;
        String[] lines = head.split("\r\n");
        String[] requestLine = lines[0].split(" ");
        if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/1.")) throw new HttpError(400, "malformed request line");
        Map<String, String> headers = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) throw new HttpError(400, "malformed header line");
            headers.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim(), (a, b) -> a + ", " + b);
        }
        if (headers.containsKey("transfer-encoding")) throw new HttpError(411, "chunked request bodies are not supported; send Content-Length");
        long length;
        try {
            length = Long.parseLong(headers.getOrDefault("content-length", "0"));
        } catch (NumberFormatException e) {
            throw new HttpError(400, "malformed Content-Length");
        }
        if (length < 0) throw new HttpError(400, "malformed Content-Length");
        if (length > limits.maxBodyBytes()) throw new HttpError(413, "request body of " + length + " bytes exceeds the limit of " + limits.maxBodyBytes());
        if (length > 0 && "100-continue".equalsIgnoreCase(headers.get("expect"))) continueSender.run();
        byte[] body = new byte[(int) length];
        long bodyDeadline = System.nanoTime() + limits.bodyTimeout().toNanos();
        int got = 0;
        while (got < length) {
            if (start == end && !fill(bodyDeadline, false)) throw new HttpError(400, "connection closed inside the request body");
            int n = Math.min(end - start, body.length - got);
            System.arraycopy(buffer, start, body, got, n);
            start += n;
            got += n;
        }
        return new HttpRequest(requestLine[0], requestLine[1], requestLine[2], headers, body, remote);
    }

    /**
     * Blocks until the client closes the connection (true) or sends more bytes (false, kept for
     * the next request) or {@code stop} says to give up (false). For noticing a client that leaves
     * while its response is being computed.
     */
    boolean awaitClose(java.util.function.BooleanSupplier stop) {
        try {
            while (!stop.getAsBoolean()) {
                socket.setSoTimeout(50);
                try {
                    compact();
                    int n = in.read(buffer, end, buffer.length - end);
                    if (n < 0) return true;
                    end += n;
                    return false;
                } catch (SocketTimeoutException e) {
                    // check stop again
                }
            }
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** Reads more bytes before the deadline; false at end of stream (or idle expiry when idle). */
    private boolean fill(long deadline, boolean idle) throws IOException, HttpError {
        compact();
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            if (idle) return false;
            throw new HttpError(408, "request not received in time");
        }
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
        try {
            int n = in.read(buffer, end, buffer.length - end);
            if (n < 0) return false;
            end += n;
            return true;
        } catch (SocketTimeoutException e) {
            if (idle) return false;
            throw new HttpError(408, "request not received in time");
        }
    }

    private void compact() {
        if (start > 0) {
            System.arraycopy(buffer, start, buffer, 0, end - start);
            end -= start;
            start = 0;
        }
        if (end == buffer.length) buffer = Arrays.copyOf(buffer, buffer.length * 2);
    }

    private static int find(byte[] b, int from, int to) {
        for (int i = from; i + 3 < to; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') return i;
        }
        return -1;
    }
}
