package ekt.serve.http;

/** A request the connection could not read: answered with {@code status} and the connection closed. */
final class HttpError extends Exception {
    final int status;

    HttpError(int status, String message) {
        super(message);
        this.status = status;
    }
}
