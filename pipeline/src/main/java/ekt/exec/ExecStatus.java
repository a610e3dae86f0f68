package ekt.exec;

/** How a program run ended; {@link #jsonName()} is the {@code status} field of a result record. */
public enum ExecStatus {
    /** Ran to the end and set the answer variable. */
    OK("ok"),
    /** Ran to the end without setting the answer variable. */
    NO_ANSWER("no_answer"),
    /** Raised an exception (also SyntaxError, SystemExit); {@code error} says which. */
    ERROR("error"),
    /** Exceeded its CPU-time limit, or the wall-clock backstop. */
    TIMEOUT("timeout"),
    /** Raised MemoryError under the address-space limit. */
    MEMORY("memory"),
    /** Its process died: a signal (e.g. SIGSEGV from a stack overflow), os._exit, or a broken worker. */
    KILLED("killed");

    private final String jsonName;

    ExecStatus(String jsonName) {
        this.jsonName = jsonName;
    }

    /** @return the lower-case name in result records, e.g. {@code no_answer} */
    public String jsonName() {
        return jsonName;
    }

    /**
     * @param name a name as {@link #jsonName()} writes it
     * @return the status
     * @throws IllegalArgumentException for an unknown name
     */
    public static ExecStatus fromJson(String name) {
        for (ExecStatus s : values()) if (s.jsonName.equals(name)) return s;
        throw new IllegalArgumentException("unknown execution status '" + name + "'");
    }
}
