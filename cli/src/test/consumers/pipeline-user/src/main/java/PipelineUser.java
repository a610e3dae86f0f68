import ekt.records.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.core.Model;
import ekt.demo.WordProblems;
import ekt.pipeline.Experiment;
import ekt.pipeline.Prompts;
import ekt.pipeline.RunConfig;
import ekt.tokenizer.BpeTrainer;
import ekt.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a user of the pipeline artifact writes: a tiny EKT experiment (word problems, a replayed
 * teacher, a randomly initialised student with its own BPE vocabulary) run from a JSON config.
 * Prints the report; ConsumerIT checks it. Argument: WORK_DIR.
 */
public final class PipelineUser {
    private static final int TRAIN = 8, TEST = 4;

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        System.out.println("picocli on the class path: " + present("picocli.CommandLine"));
        System.out.println("YAML on the class path: " + present("com.fasterxml.jackson.dataformat.yaml.YAMLFactory"));
        List<WordProblems.Generated> all = WordProblems.generate(5, TRAIN + TEST, Set.of());
        writeProblems(dir.resolve("train.jsonl"), all.subList(0, TRAIN));
        writeProblems(dir.resolve("test.jsonl"), all.subList(TRAIN, all.size()));
        List<String> replay = new ArrayList<>();
        for (int i = 0; i < TRAIN; i++)
            replay.add(Json.MAPPER.createObjectNode().put("id", "train-" + i).put("sample", 0).put("text", "\n" + all.get(i).program()).toString());
        Files.write(dir.resolve("replay.jsonl"), replay);
        tinyStudent(dir.resolve("student"), all);

        ObjectNode c = Json.MAPPER.createObjectNode().put("name", "consumer");
        c.putObject("data").put("train", "train.jsonl").put("test", "test.jsonl");
        c.putObject("teacher").put("kind", "replay").put("replay_file", "replay.jsonl").put("n", 1);
        c.putObject("student").put("model", "student").put("epochs", 1).put("lr", 3e-3).put("warmup_steps", 0).put("batch", 4)
                .put("accum", 1).put("max_length", 128).put("mask", "no-padding").put("checkpoint_every", 0);
        c.putObject("execution").put("workers", 1);
        c.putObject("evaluation").put("n", 1).put("max_new_tokens", 20).putArray("k").add(1);
        c.putArray("methods").add("ekt");
        Path config = dir.resolve("config.json");
        Files.writeString(config, c.toPrettyString());
        System.out.println(new Experiment(RunConfig.load(config), dir, dir.resolve("run")).run());
    }

    /** A one-layer GPT-Neo, randomly initialised, with a BPE vocabulary learned on the problems. */
    private static void tinyStudent(Path dir, List<WordProblems.Generated> problems) {
        Tokenizer tokenizer = BpeTrainer.train(problems.stream().map(g -> Prompts.trainingText(g.question(), "\n" + g.program())).toList(), 100);
        ObjectNode c = Json.MAPPER.createObjectNode().put("model_type", "gpt_neo").put("vocab_size", tokenizer.vocabSize())
                .put("bos_token_id", tokenizer.eosId()).put("eos_token_id", tokenizer.eosId()).put("max_position_embeddings", 192)
                .put("hidden_size", 32).put("num_layers", 1).put("num_heads", 4).put("window_size", 96)
                .put("activation_function", "gelu_new").put("layer_norm_epsilon", 1e-5).put("tie_word_embeddings", true);
        c.putArray("attention_types").addArray().add(Json.MAPPER.createArrayNode().add("global")).add(1);
        try (Model m = Model.init(c.toString(), 3, "cpu")) {
            m.save(dir);
        }
        tokenizer.save(dir);
    }

    private static void writeProblems(Path file, List<WordProblems.Generated> problems) throws IOException {
        List<String> lines = new ArrayList<>();
        for (WordProblems.Generated g : problems) lines.add(Json.MAPPER.createObjectNode().put("question", g.question()).put("answer", g.answer()).toString());
        Files.write(file, lines);
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
