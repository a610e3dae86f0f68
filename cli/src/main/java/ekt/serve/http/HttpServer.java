package ekt.serve.http;

import ekt.records.Json;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A small HTTP/1.1 server: one thread per connection (bounded by {@link HttpLimits#maxConnections}),
 * keep-alive, deadlines on headers and bodies, size limits answered before reading (413, 431),
 * and one access-log line per request. It exists because the JDK's server has neither read
 * deadlines nor size limits, and it lets a handler notice a client that disconnects while its
 * response is computed ({@link Exchange#watchClient}).
 */
public final class HttpServer implements AutoCloseable {
    /** Serves one request; an exception it throws becomes a 500 (or a dropped connection once the response started). */
    public interface Handler {
        /**
         * Answers one request through {@code exchange.response()}.
         *
         * @throws IOException if the client cannot be written to
         */
        void handle(Exchange exchange) throws IOException;
    }

    private final ServerSocket socket;
    private final HttpLimits limits;
    private final Handler handler;
    private final Consumer<String> accessLog;
    private final ExecutorService connections = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "ekt-http");
        t.setDaemon(true);
        return t;
    });
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    private final Thread acceptor;
    private volatile boolean closing;

    /**
     * Binds the port and starts accepting connections.
     *
     * @param host      the address to listen on, e.g. {@code 127.0.0.1} or {@code 0.0.0.0}
     * @param port      the TCP port; 0 picks a free one ({@link #port()})
     * @param accessLog receives one line per request
     * @throws IOException if the address cannot be bound
     */
    public HttpServer(String host, int port, HttpLimits limits, Handler handler, Consumer<String> accessLog) throws IOException {
        this.limits = limits;
        this.handler = handler;
        this.accessLog = accessLog;
        this.socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getByName(host), port), 512);
        this.acceptor = new Thread(this::accept, "ekt-http-accept");
        acceptor.start();
    }

    /** @return the port the server listens on */
    public int port() {
        return socket.getLocalPort();
    }

    private void accept() {
        while (!closing) {
            Socket s;
            try {
                s = socket.accept();
            } catch (IOException e) {
                if (closing) return;
                continue;
            }
            if (active.incrementAndGet() > limits.maxConnections()) {
                active.decrementAndGet();
                refuse(s);
                continue;
            }
            Connection c = new Connection(s);
            open.add(c);
            connections.execute(() -> {
                try {
                    c.serve();
                } finally {
                    open.remove(c);
                    active.decrementAndGet();
                }
            });
        }
    }

    private static void refuse(Socket s) {
        try (s) {
            s.setSoTimeout(1000);
            byte[] body = "{\"error\":{\"message\":\"too many connections\",\"type\":\"server_error\",\"param\":null,\"code\":null}}"
                    .getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
        } catch (IOException ignored) {
            // the client is gone already
        }
    }

    private final class Connection {
        private final Socket s;
        private volatile boolean busy;

        Connection(Socket s) {
            this.s = s;
        }

        void serve() {
            String remote = s.getRemoteSocketAddress().toString();
            try (s) {
                s.setTcpNoDelay(true);
                ConnectionInput input = new ConnectionInput(s, limits);
                OutputStream out = new BufferedOutputStream(s.getOutputStream(), 16384);
                while (!closing) {
                    HttpRequest request;
                    try {
                        request = input.next(remote, () -> sendContinue(out));
                    } catch (HttpError e) {
                        rejected(out, remote, e);
                        linger();
                        return;
                    }
                    if (request == null) return;
                    busy = true;
                    try {
                        if (!exchange(request, out, input)) return;
                    } finally {
                        busy = false;
                    }
                }
            } catch (IOException e) {
                // the client went away; nothing to answer
            }
        }

        /** Serves one request; false when the connection must close. */
        private boolean exchange(HttpRequest request, OutputStream out, ConnectionInput input) throws IOException {
            long start = System.nanoTime();
            String id = "req-" + ids.incrementAndGet();
            HttpResponse response = new HttpResponse(out, request.keepAlive() && !closing, "HEAD".equals(request.method()));
            response.header("X-Request-Id", id);
            try {
                handler.handle(new Exchange(id, request, response, input));
            } catch (IOException e) {
                log(id, request.remote(), request.method() + " " + request.target(), response.committed() ? response.status() : 499, response, start);
                throw e;
            } catch (RuntimeException e) {
                System.err.println("[ekt] " + id + " internal error: " + e);
                e.printStackTrace();
                if (response.committed()) return false;
                response.send(500, "application/json", ("{\"error\":{\"message\":\"internal error (request " + id
                        + "; see the server log)\",\"type\":\"server_error\",\"param\":null,\"code\":null}}").getBytes(StandardCharsets.UTF_8));
            }
            // Unanswered: the handler saw its client leave (499, as nginx logs it).
            log(id, request.remote(), request.method() + " " + request.target(), response.committed() ? response.status() : 499, response, start);
            return response.keepAlive();
        }

        private void rejected(OutputStream out, String remote, HttpError e) {
            String id = "req-" + ids.incrementAndGet();
            long start = System.nanoTime();
            HttpResponse response = new HttpResponse(out, false, false);
            try {
                String body = "{\"error\":{\"message\":" + ekt.records.Json.MAPPER.writeValueAsString(e.getMessage())
                        + ",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}";
                response.header("X-Request-Id", id).send(e.status, "application/json", body.getBytes(StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the client is gone
            }
            log(id, remote, "-", e.status, response, start);
        }

        /**
         * After refusing a request, reads (and drops) what the client is still sending for a moment
         * before closing, so the refusal is not lost to a connection reset (a client still writing
         * its body reads the answer only once it stops writing).
         */
        private void linger() {
            try {
                s.shutdownOutput();
                s.setSoTimeout(200);
                long until = System.nanoTime() + 2_000_000_000L;
                byte[] sink = new byte[65536];
                while (System.nanoTime() < until && s.getInputStream().read(sink) >= 0) {
                    // dropping the unread request
                }
            } catch (IOException ignored) {
                // closing anyway
            }
        }

        private void sendContinue(OutputStream out) {
            try {
                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (IOException ignored) {
                // noticed at the next read
            }
        }

        void closeIfIdle() {
            if (!busy) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    private void log(String id, String remote, String what, int status, HttpResponse response, long start) {
        accessLog.accept(String.format("%s %s %s \"%s\" %d %d %.1fms", java.time.Instant.now(), id, remote, what, status,
                response.bytes(), (System.nanoTime() - start) / 1e6));
    }

    /**
     * Graceful stop: no new connections, idle ones closed, requests in progress finish (up to
     * {@code grace}) and then their connections close.
     */
    public void close(Duration grace) {
        closing = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            open.forEach(Connection::closeIfIdle);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        connections.shutdownNow();
        try {
            acceptor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
