package ekt.train;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.core.Model;
import ekt.testing.Python;
import ekt.testing.Reference;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The core's loss and gradient against train_reference.py: a float64 numpy loss over the
 * literally padded batch (every sequence padded with end-of-text to max_length, no collapsing),
 * differentiated by central finite differences. Covers every mask, micro-batches smaller than
 * the batch (accumulation), data-parallel workers, truncation, and distillation from a teacher
 * with a larger vocabulary.
 */
class TrainReferenceTest {
    static final int VOCAB = 23, MAX_LENGTH = 12;

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("gpt2", TrainConfig.Mask.ALL, null, 1),
                Arguments.of("gpt_neo", TrainConfig.Mask.ALL, null, 2),
                Arguments.of("gpt2", TrainConfig.Mask.NO_PADDING, null, 2),
                Arguments.of("gpt_neo", TrainConfig.Mask.COMPLETION_ONLY, null, 1),
                Arguments.of("gpt_neo", TrainConfig.Mask.ALL, "gpt2", 2),
                Arguments.of("gpt2", TrainConfig.Mask.NO_PADDING, "gpt_neo", 1));
    }

    static List<TrainingExample> examples(Random r) {
        List<TrainingExample> out = new ArrayList<>();
        int[][] shapes = {{3, 4}, {1, 2}, {5, 9}, {2, 7}, {4, 1}};  // (prompt, completion); 5 + 9 > 12 is truncated
        for (int i = 0; i < shapes.length; i++)
            out.add(new TrainingExample("ex" + i, r.ints(shapes[i][0], 0, VOCAB).toArray(), r.ints(shapes[i][1], 0, VOCAB).toArray()));
        return out;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void lossAndGradientMatchTheLiteralPaddedReference(String type, TrainConfig.Mask mask, String teacherType, int workers,
                                                        @TempDir Path dir) throws IOException {
        Path student = Reference.make(dir.resolve("student"), type, "--layers", "2", "--hidden", "16", "--heads", "2",
                "--vocab", String.valueOf(VOCAB), "--positions", "16", "--window", "3", "--seed", "5");
        Path teacher = teacherType == null ? null : Reference.make(dir.resolve("teacher"), teacherType, "--layers", "1",
                "--hidden", "24", "--heads", "3", "--vocab", String.valueOf(VOCAB + 6), "--positions", "16", "--window", "4",
                "--seed", "6");
        List<TrainingExample> data = examples(new Random(type.hashCode() + mask.ordinal()));
        TrainConfig config = TrainConfig.builder().mask(mask).maxLength(MAX_LENGTH).batchSize(2).accum(3).epochs(1)
                .kdWeight(0.7).kdTemperature(1.5).workers(workers).build();
        try (Model s = Model.load(student); Model t = teacher == null ? null : Model.load(teacher);
             Trainer trainer = new Trainer(s, t, config, data)) {
            TrainBatch batch = trainer.data().batch(new int[]{0, 1, 2, 3, 4});
            StepMetrics m = trainer.gradients(batch);

            JsonNode params = Json.MAPPER.readTree(trainer.info()).get("parameters");
            ObjectNode spec = Json.MAPPER.createObjectNode();
            ArrayNode ex = spec.putArray("examples");
            for (TrainingExample e : data) {
                ObjectNode o = ex.addObject();
                o.set("prompt", Json.MAPPER.valueToTree(e.prompt()));
                o.set("completion", Json.MAPPER.valueToTree(e.completion()));
            }
            spec.put("max_length", MAX_LENGTH).put("pad_id", VOCAB - 1).put("mask", mask.name().toLowerCase())
                    .put("kd_weight", 0.7).put("kd_temperature", 1.5);
            if (teacher != null) spec.put("teacher", teacher.toString());
            ObjectNode probe = spec.putObject("probe");
            Random r = new Random(11);
            for (JsonNode p : params) {  // a few entries of every parameter tensor
                int size = 1;
                for (JsonNode d : p.get("shape")) size *= d.asInt();
                ArrayNode idx = probe.putArray(p.get("name").asText());
                for (int k = 0; k < 3; k++) idx.add(r.nextInt(size));
            }
            Path specFile = dir.resolve("spec.json");
            Files.writeString(specFile, spec.toString());
            JsonNode ref = Json.MAPPER.readTree(Python.run("train_reference.py", "loss", "--model", student.toString(), "--spec", specFile.toString()));

            assertEquals(ref.get("loss").asDouble(), m.loss(), 1e-5 * Math.max(1, ref.get("loss").asDouble()), "loss");
            assertEquals(ref.get("ce_loss").asDouble(), m.ceLoss(), 1e-5 * Math.max(1, ref.get("ce_loss").asDouble()), "ce loss");
            assertEquals(ref.get("kd_loss").asDouble(), m.kdLoss(), 1e-5 * Math.max(1, ref.get("kd_loss").asDouble()), "kd loss");

            double scale = 0;
            for (JsonNode g : ref.get("grads")) for (JsonNode v : g) scale = Math.max(scale, Math.abs(v.asDouble()));
            assertTrue(scale > 0, "reference gradient is all zero");
            for (JsonNode p : params) {
                String name = p.get("name").asText();
                int size = 1;
                for (JsonNode d : p.get("shape")) size *= d.asInt();
                float[] g = trainer.gradient(name, size);
                JsonNode idx = probe.get(name), expected = ref.get("grads").get(name);
                for (int k = 0; k < idx.size(); k++) {
                    double want = expected.get(k).asDouble(), got = g[idx.get(k).asInt()];
                    assertEquals(want, got, 1e-3 * Math.abs(want) + 2e-5 * scale, name + "[" + idx.get(k) + "]");
                }
            }
        }
    }
}
