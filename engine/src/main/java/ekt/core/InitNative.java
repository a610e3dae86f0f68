package ekt.core;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/** JavaCPP binding of {@code native/include/ekt/init_api.h}; callers use {@link Model#init}. */
@Platform(include = "ekt/init_api.h", link = "ektcore")
final class InitNative {
    static {
        Loader.load();
    }

    private InitNative() {
    }

    public static native ModelNative.ekt_model ekt_model_init(String configJson, @Cast("uint64_t") long seed, String device);
}
