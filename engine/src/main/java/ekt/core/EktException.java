package ekt.core;

/** A failure reported by the native core (bad checkpoint, shape mismatch, out of memory, ...). */
public class EktException extends RuntimeException {
    public EktException(String message) {
        super(message);
    }

    public EktException(String message, Throwable cause) {
        super(message, cause);
    }
}
