package ekt.cli;

import ekt.core.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ekt convert --model DIR --out DIR}: a checkpoint's weights (e.g. pytorch_model.bin) as model.safetensors. */
@Command(name = "convert", description = "Write a checkpoint's weights (pytorch_model.bin or safetensors, single or sharded) as "
        + "OUT/model.safetensors in their stored dtypes, with the other files copied; prints OUT.")
final class ConvertCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Hugging Face checkpoint directory")
    Path model;
    @Option(names = "--out", required = true, description = "output directory (created)")
    Path out;

    @Override
    public Integer call() {
        Model.convert(model, out);
        System.out.println(out);
        return 0;
    }
}
