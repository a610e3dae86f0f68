package ekt.core;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where a model runs and the floating-point type it computes in: a device ({@code cpu},
 * {@code cuda}, {@code cuda:N}) and a dtype ({@code float32}, {@code bfloat16}, {@code float16};
 * also {@code fp32}, {@code bf16}, {@code fp16}). The names are checked here; whether the device
 * exists is checked by {@link #check()}, which a command calls before it starts any work.
 *
 * <p>For training, the dtype is the compute precision: {@code bfloat16} is mixed precision
 * (bfloat16 matrix products, float32 master weights); the student itself is loaded in float32.
 *
 * @param device {@code cpu}, {@code cuda} or {@code cuda:N}, lower case after construction
 * @param dtype  the canonical dtype name: {@code float32}, {@code bfloat16} or {@code float16}
 */
public record Placement(String device, String dtype) {
    /** The device when none is given. */
    public static final String DEFAULT_DEVICE = "cpu";
    /** The dtype when none is given. */
    public static final String DEFAULT_DTYPE = "float32";
    private static final Pattern DEVICE = Pattern.compile("cpu|cuda(:[0-9]{1,3})?");
    private static final Map<String, String> DTYPES = Map.of("float32", "float32", "fp32", "float32", "bfloat16", "bfloat16",
            "bf16", "bfloat16", "float16", "float16", "fp16", "float16");
    /** The CPU in float32: the default of every command and API (after the tables its constructor reads). */
    public static final Placement CPU = new Placement(DEFAULT_DEVICE, DEFAULT_DTYPE);

    /**
     * Normalises the names; null fields take the defaults (cpu, float32).
     *
     * @throws IllegalArgumentException for an unknown device or dtype name
     */
    public Placement {
        device = device == null ? DEFAULT_DEVICE : device.trim().toLowerCase(Locale.ROOT);
        if (!DEVICE.matcher(device).matches())
            throw new IllegalArgumentException("unknown device '" + device + "' (use cpu, cuda or cuda:N)");
        dtype = dtype == null ? DEFAULT_DTYPE : dtypeName(dtype);
    }

    /** The canonical name (float32, bfloat16, float16) of a dtype or its short form. */
    public static String dtypeName(String dtype) {
        String canonical = DTYPES.get(dtype.trim().toLowerCase(Locale.ROOT));
        if (canonical == null) throw new IllegalArgumentException("unknown dtype '" + dtype + "' (use float32, bfloat16 or float16)");
        return canonical;
    }

    /** This placement with the given fields replaced where they are not null. */
    public Placement with(String newDevice, String newDtype) {
        return new Placement(newDevice == null ? device : newDevice, newDtype == null ? dtype : newDtype);
    }

    /**
     * Fails with a clear message unless this process can use the device (a CUDA device needs a
     * core built against a CUDA libtorch and a visible GPU); returns this placement.
     */
    public Placement check() {
        if (device.equals(DEFAULT_DEVICE)) return this;  // always there; pure-Java runs need no native library
        Native.ensureThreads();
        Native.check(ModelNative.ekt_check_device(device), "device " + device);
        return this;
    }

    @Override
    public String toString() {
        return device + "/" + dtype;
    }
}
