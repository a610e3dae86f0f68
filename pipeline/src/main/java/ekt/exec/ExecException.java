package ekt.exec;

/**
 * The execution machinery itself failed (interpreter missing, sandbox cannot be set up, worker
 * cannot be restarted). Misbehaving programs never cause it: they get a result.
 */
public class ExecException extends RuntimeException {
    /** @param message what failed, e.g. the interpreter path that cannot be started */
    public ExecException(String message) {
        super(message);
    }

    /**
     * @param message what failed
     * @param cause   the underlying failure
     */
    public ExecException(String message, Throwable cause) {
        super(message, cause);
    }
}
