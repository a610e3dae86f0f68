package ekt.serve.http;

import java.util.Locale;
import java.util.Map;

/**
 * A request as read off the wire.
 *
 * @param method  the method, as sent (e.g. {@code POST})
 * @param target  the request target: path and query string, e.g. {@code /v1/models?x=1}
 * @param version the protocol, {@code HTTP/1.1} or {@code HTTP/1.0}
 * @param headers header values by lower-case name (a repeated header's values joined with ", ")
 * @param body    the request body; empty when none was sent
 * @param remote  the client's socket address, for logs
 */
public record HttpRequest(String method, String target, String version, Map<String, String> headers, byte[] body, String remote) {
    /** The target without its query string. */
    public String path() {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }

    /** @return the value of header {@code name} (any case), or null if absent */
    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    boolean keepAlive() {
        String connection = header("connection");
        if (connection != null && connection.toLowerCase(Locale.ROOT).contains("close")) return false;
        return !"HTTP/1.0".equals(version) || (connection != null && connection.toLowerCase(Locale.ROOT).contains("keep-alive"));
    }
}
