package ekt.cli;

import ekt.core.Placement;
import picocli.CommandLine.Option;

/**
 * {@code --device} and {@code --dtype}, parsed the same way by every command that loads a model.
 * Unset options keep the command's (or the config's) own placement.
 */
final class DeviceOptions {
    @Option(names = "--device", description = "where models run: cpu, cuda, cuda:N (default: cpu, or the config's devices)")
    String device;
    @Option(names = "--dtype", description = "float32, bfloat16 or float16 (default: float32, or the config's devices); "
            + "for training, the compute precision: bfloat16 = mixed precision with float32 master weights")
    String dtype;

    /** The placement asked for over {@code base}, with the device checked before any work starts. */
    Placement over(Placement base) {
        return base.with(device, dtype).check();
    }

    /** The placement asked for over the CPU in float32, checked. */
    Placement placement() {
        return over(Placement.CPU);
    }
}
