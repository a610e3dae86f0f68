package ekt.exec;

/**
 * The execution machinery itself failed (interpreter missing, sandbox cannot be set up, worker
 * cannot be restarted). Misbehaving programs never cause it: they get a result.
 */
public class ExecException extends RuntimeException {
    public ExecException(String message) {
        super(message);
    }

    public ExecException(String message, Throwable cause) {
        super(message, cause);
    }
}
