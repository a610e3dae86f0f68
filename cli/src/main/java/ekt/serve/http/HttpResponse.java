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

    public HttpResponse header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    public void send(int status, String contentType, byte[] body) throws IOException {
        header("Content-Type", contentType).header("Content-Length", Integer.toString(body.length));
        writeHead(status);
        if (!head) out.write(body);
        out.flush();
        bytes += body.length;
        done = true;
    }

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

    public void endEvents() throws IOException {
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        done = true;
    }

    public boolean committed() {
        return status != 0;
    }

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
