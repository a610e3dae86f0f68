package ekt.exec;

/** A worker process failed mid-batch; the first {@link #completed()} programs have results. */
final class WorkerDiedException extends Exception {
    private final int completed;

    WorkerDiedException(int completed, String message, Throwable cause) {
        super(message, cause);
        this.completed = completed;
    }

    int completed() {
        return completed;
    }
}
