package ekt.core;

import org.bytedeco.javacpp.BytePointer;

/** Process-wide native runtime: error translation and thread configuration. */
public final class Native {
    private static volatile boolean threadsConfigured;

    private Native() {
    }

    /** Throws the thread's last native error if {@code status} signals failure. */
    static void check(int status, String what) {
        if (status != 0) throw error(what);
    }

    static EktException error(String what) {
        return new EktException(what + ": " + string(ModelNative.ekt_last_error()));
    }

    static String string(BytePointer p) {
        return p == null || p.isNull() ? "" : p.getString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * Sets the core's intra-op thread count once per process, from {@code -Dekt.threads} or the
     * {@code EKT_THREADS} variable, defaulting to the available cores.
     */
    static void ensureThreads() {
        if (threadsConfigured) return;
        synchronized (Native.class) {
            if (threadsConfigured) return;
            setThreads(defaultThreads());
        }
    }

    /**
     * Sets the core's intra-op thread count for the whole process (libtorch's {@code set_num_threads}),
     * overriding {@code -Dekt.threads} / {@code EKT_THREADS}; call it before the first model loads.
     *
     * @param threads positive thread count
     * @throws EktException if the core refuses the count
     */
    public static void setThreads(int threads) {
        check(ModelNative.ekt_set_num_threads(threads), "setting native threads");
        threadsConfigured = true;
    }

    static int defaultThreads() {
        String v = System.getProperty("ekt.threads", System.getenv("EKT_THREADS"));
        if (v != null && !v.isBlank()) return Integer.parseInt(v.trim());
        return Runtime.getRuntime().availableProcessors();
    }

    /** JSON with the libtorch version, CUDA availability and thread count. */
    public static String runtimeInfo() {
        return string(ModelNative.ekt_runtime_info());
    }
}
