package ekt.core;

/** A failure reported by the native core (bad checkpoint, shape mismatch, out of memory, ...). */
public class EktException extends RuntimeException {
    /** @param message what failed, with the core's own error text */
    public EktException(String message) {
        super(message);
    }

    /**
     * @param message what failed
     * @param cause   the underlying failure
     */
    public EktException(String message, Throwable cause) {
        super(message, cause);
    }
}
