package ekt.serve.http;

/** One request and its response, with a way to notice the client leaving meanwhile. */
public final class Exchange {
    private final String id;
    private final HttpRequest request;
    private final HttpResponse response;
    private final ConnectionInput input;

    Exchange(String id, HttpRequest request, HttpResponse response, ConnectionInput input) {
        this.id = id;
        this.request = request;
        this.response = response;
        this.input = input;
    }

    /** The server's id of this request (in the access log, logs and the X-Request-Id header). */
    public String id() {
        return id;
    }

    /** @return the request, fully read (body included) */
    public HttpRequest request() {
        return request;
    }

    /** @return where the handler writes its answer */
    public HttpResponse response() {
        return response;
    }

    /**
     * Runs {@code onClose} (on another thread) as soon as the client closes its connection, until
     * the returned watch is closed. Used while a response is computed, to stop work nobody will read.
     */
    public Watch watchClient(Runnable onClose) {
        Watch w = new Watch();
        w.thread = new Thread(() -> {
            if (input.awaitClose(() -> w.stopped)) {
                w.clientGone = true;
                onClose.run();
            }
        }, "ekt-watch-" + id);
        w.thread.setDaemon(true);
        w.thread.start();
        return w;
    }

    /** Watches the client of one exchange until closed; closing waits for the watching thread to end. */
    public static final class Watch implements AutoCloseable {
        private Thread thread;
        private volatile boolean stopped, clientGone;

        /** @return whether the client closed its connection while watched */
        public boolean clientGone() {
            return clientGone;
        }

        @Override
        public void close() {
            stopped = true;
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
