package ekt.core;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/** JavaCPP binding of {@code native/include/ekt/dist_api.h}; callers use {@link ProcessGroup}. */
@Platform(include = "ekt/dist_api.h", link = "ektcore")
final class DistNative {
    static {
        Loader.load();
    }

    private DistNative() {
    }

    public static native @Cast("const char*") BytePointer ekt_dist_resolve(String optionsJson);

    public static native int ekt_dist_init(String optionsJson);

    public static native void ekt_dist_shutdown();

    public static native int ekt_dist_barrier(String stage);

    public static native int ekt_dist_check_same(String what, String value);

    public static native @Cast("const char*") BytePointer ekt_dist_info();
}
