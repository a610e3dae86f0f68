package ekt.serve;

import ekt.records.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A request the server refuses, answered as OpenAI does:
 * {@code {"error": {"message", "type", "param", "code"}}} with an HTTP status.
 */
final class ApiError extends RuntimeException {
    final int status;
    final String type;
    final String param;
    final String code;

    ApiError(int status, String type, String message, String param, String code) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400 about one field of the request body. */
    static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", message, param, null);
    }

    static ApiError notFound(String message, String param, String code) {
        return new ApiError(404, "invalid_request_error", message, param, code);
    }

    ObjectNode body() {
        return body(type, getMessage(), param, code);
    }

    static ObjectNode body(String type, String message, String param, String code) {
        ObjectNode r = Json.object();
        ObjectNode e = r.putObject("error");
        e.put("message", message).put("type", type);
        if (param == null) e.putNull("param"); else e.put("param", param);
        if (code == null) e.putNull("code"); else e.put("code", code);
        return r;
    }
}
