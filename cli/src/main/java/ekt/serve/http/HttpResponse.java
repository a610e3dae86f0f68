package ekt.serve.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answer to one request: either a whole body ({@link #send}) or a stream of server-sent
 * events ({@link #startEvents}, {@link #event}, {@link #endEvents}) in chunked encoding, so the
 * connection stays reusable after the stream.
 */
public final class HttpResponse {
    private final OutputStream out;
    private final boolean head;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private boolean keepAlive;
    private int status;
    private long bytes;
    private boolean streaming, done;

    HttpResponse(OutputStream out, boolean keepAlive, boolean head) {
        this.out = out;
        this.keepAlive = keepAlive;
        this.head = head;
    }

    /**
     * Sets a response header (replacing one of the same name); effective only before the response starts.
     *
     * @return this response
     */
    public HttpResponse header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    /**
     * Sends the whole response: status line, headers with Content-Type and Content-Length, body
     * (left out for a HEAD request).
     *
     * @throws IllegalStateException if the response has already started
     * @throws IOException           if the client cannot be written to
     */
    public void send(int status, String contentType, byte[] body) throws IOException {
        header("Content-Type", contentType).header("Content-Length", Integer.toString(body.length));
        writeHead(status);
        if (!head) out.write(body);
        out.flush();
        bytes += body.length;
        done = true;
    }

    /**
     * Starts a server-sent event stream (text/event-stream, chunked); send {@link #event}s, then {@link #endEvents}.
     *
     * @throws IllegalStateException if the response has already started
     * @throws IOException           if the client cannot be written to
     */
    public void startEvents(int status) throws IOException {
        header("Content-Type", "text/event-stream; charset=utf-8").header("Cache-Control", "no-cache").header("Transfer-Encoding", "chunked");
        writeHead(status);
        out.flush();
        streaming = true;
    }

    /** One server-sent event: {@code data: <data>} and a blank line, flushed at once. */
    public void event(String data) throws IOException {
        byte[] payload = ("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
        out.write((Integer.toHexString(payload.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(payload);
        out.write(CRLF);
        out.flush();
        bytes += payload.length;
    }

    /**
     * Ends the event stream (the last chunk); the connection can then serve the next request.
     *
     * @throws IOException if the client cannot be written to
     */
    public void endEvents() throws IOException {
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        done = true;
    }

    /** @return whether the status line has been written (headers can no longer change) */
    public boolean committed() {
        return status != 0;
    }

    /** @return the status sent, or 0 before the response started */
    public int status() {
        return status;
    }

    long bytes() {
        return bytes;
    }

    boolean keepAlive() {
        return keepAlive && done;
    }

    boolean streaming() {
        return streaming;
    }

    private void writeHead(int status) throws IOException {
        if (this.status != 0) throw new IllegalStateException("response already started");
        this.status = status;
        StringBuilder h = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
        if (!keepAlive) headers.put("Connection", "close");
        headers.forEach((k, v) -> h.append(k).append(": ").append(v).append("\r\n"));
        out.write(h.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    private static final byte[] CRLF = {'\r', '\n'};

    static String reason(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 411 -> "Length Required";
            case 413 -> "Content Too Large";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }
}
