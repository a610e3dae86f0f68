package ekt.serve;

import ekt.records.Json;
import ekt.testing.Npm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `ekt serve` driven by the official openai npm client (v6, pinned): every completions field,
 * streaming chunk by chunk against the whole answer for the same seed, chat through the
 * checkpoint's template, error shapes and status codes (cli/src/test/node/openai-conformance.mjs
 * holds the checks; it fails at the first one that does not hold).
 */
class OpenAiConformanceTest {
    static final List<String> CLIENT = List.of("openai@6.30.1");

    @Test
    void officialClientAgainstTheServer(@TempDir Path dir) throws Exception {
        Npm npm = Npm.installed("npm-openai", CLIENT, "the conformance test with the official openai client");
        try (TinyServer chat = new TinyServer(dir.resolve("chat"), TinyServer.CHAT_TEMPLATE, TinyServer.settings());
             TinyServer plain = new TinyServer(dir.resolve("plain"), null, TinyServer.settings())) {
            String ids = Json.MAPPER.writeValueAsString(List.of(chat.tokenizer.encode("Mia has 3 apples and buys 2 more."), chat.tokenizer.encode("x = 1")));
            Path script = Npm.repo().resolve("cli/src/test/node/openai-conformance.mjs");
            String out = Npm.run(List.of(npm.node().toString(), script.toString(), npm.modules().toString(), chat.baseUrl(), TinyServer.KEY,
                    TinyServer.NAME, plain.baseUrl(), ids), 600);
            assertTrue(out.contains("all passed"), out);
            System.out.println(out);
        }
    }
}
