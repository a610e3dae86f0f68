import ekt.core.Model;
import ekt.core.SamplingOptions;
import ekt.sample.Generation;
import ekt.sample.SamplePrompt;
import ekt.sample.SampleRecord;
import ekt.train.StepMetrics;
import ekt.train.TrainConfig;
import ekt.train.TrainListener;
import ekt.train.Trainer;
import ekt.train.TrainingExample;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a user of the engine artifact alone writes: load a checkpoint, sample from it, fine-tune
 * it a few steps. Prints one line per fact; ConsumerIT checks them.
 * Arguments: CHECKPOINT_DIR OUT_DIR.
 */
public final class EngineUser {
    public static void main(String[] args) {
        Path checkpoint = Path.of(args[0]), out = Path.of(args[1]);
        System.out.println("picocli on the class path: " + present("picocli.CommandLine"));
        System.out.println("YAML on the class path: " + present("com.fasterxml.jackson.dataformat.yaml.YAMLFactory"));
        try (Model model = Model.load(checkpoint)) {
            List<SampleRecord> samples = new ArrayList<>();
            SamplingOptions options = SamplingOptions.builder().n(3).temperature(0.8).topK(20).maxNewTokens(5).seed(7).build();
            new Generation(model, options, null, false).run(
                    List.of(SamplePrompt.ofTokens("a", new int[]{1, 2, 3}), SamplePrompt.ofTokens("b", new int[]{4, 5})),
                    samples::add, progress -> { });
            for (SampleRecord s : samples)
                System.out.println("sample " + s.id() + " " + s.sample() + " " + Arrays.toString(s.tokens()) + " " + s.finish());

            List<TrainingExample> data = new ArrayList<>();
            for (int i = 0; i < 8; i++) data.add(new TrainingExample("x" + i, new int[]{1 + i, 2}, new int[]{3, 4 + i}));
            TrainConfig config = TrainConfig.builder().epochs(1).batchSize(2).accum(2).maxLength(8).lr(1e-2).warmupSteps(0).build();
            try (Trainer trainer = new Trainer(model, null, config, data)) {
                Path last = trainer.fit(out, new TrainListener() {
                    @Override
                    public void onStep(StepMetrics m) {
                        System.out.println("step " + m.step() + " loss " + m.loss());
                    }
                });
                System.out.println("checkpoint " + last);
            }
        }
    }

    private static boolean present(String className) {
        try {
            Class.forName(className);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
