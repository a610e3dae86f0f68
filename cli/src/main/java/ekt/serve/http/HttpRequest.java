package ekt.serve.http;

import java.util.Locale;
import java.util.Map;

/** A request as read off the wire; header names are lower-case. */
public record HttpRequest(String method, String target, String version, Map<String, String> headers, byte[] body, String remote) {
    /** The target without its query string. */
    public String path() {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }

    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    boolean keepAlive() {
        String connection = header("connection");
        if (connection != null && connection.toLowerCase(Locale.ROOT).contains("close")) return false;
        return !"HTTP/1.0".equals(version) || (connection != null && connection.toLowerCase(Locale.ROOT).contains("keep-alive"));
    }
}
