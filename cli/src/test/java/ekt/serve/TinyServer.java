package ekt.serve;

import ekt.records.Json;
import ekt.core.Model;
import ekt.serve.http.HttpLimits;
import ekt.tokenizer.ByteLevelBpe;
import ekt.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** `ekt serve` in-process on a tiny random GPT-2 checkpoint with ekt's small-vocabulary tokenizer, for the serving tests. */
final class TinyServer implements AutoCloseable {
    static final String KEY = "test-key";
    static final String NAME = "tiny";
    /** A ChatML-like template that refuses a conversation opened by the assistant, as many real ones do. */
    static final String CHAT_TEMPLATE = "{% if messages[0]['role'] == 'assistant' %}{{ raise_exception('Conversation must start with a user message') }}{% endif %}"
            + "{% for message in messages %}{{ message['role'] + ': ' + message['content'] + '\\n' }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ 'assistant:' }}{% endif %}";

    final Path dir;
    final Model model;
    final Tokenizer tokenizer;
    final OpenAiServer server;
    final List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Writes the checkpoint into {@code dir} (with the chat template unless {@code template} is null) and serves it. */
    TinyServer(Path dir, String template, ServeSettings settings) throws IOException {
        this(dir, template, settings, 0);
    }

    /** With {@code paddingRows} more embedding rows than the tokenizer has tokens (as GPT-J's 50400 over GPT-2's 50257). */
    TinyServer(Path dir, String template, ServeSettings settings, int paddingRows) throws IOException {
        this.dir = checkpoint(dir, template, paddingRows);
        this.model = Model.load(dir);
        this.tokenizer = Tokenizer.load(dir);
        this.server = new OpenAiServer(model, tokenizer, dir, settings, "127.0.0.1", 0, log::add);
    }

    static ServeSettings settings() {
        HttpLimits h = HttpLimits.defaults();
        return new ServeSettings(NAME, KEY, 128, 100, 1000, 20, 256, 64, 256,
                new HttpLimits(h.maxHeaderBytes(), 1 << 20, Duration.ofSeconds(4), Duration.ofSeconds(4), h.idleTimeout(), h.maxConnections()));
    }

    static Path checkpoint(Path dir, String template, int paddingRows) throws IOException {
        Files.createDirectories(dir);
        ByteLevelBpe tokenizer = ByteLevelBpe.smallVocabulary();
        String config = Json.line(Json.object().put("model_type", "gpt2").put("vocab_size", tokenizer.vocabSize() + paddingRows).put("n_positions", 128)
                .put("n_embd", 32).put("n_layer", 2).put("n_head", 4).put("eos_token_id", tokenizer.eosId()).put("bos_token_id", tokenizer.eosId()));
        try (Model m = Model.init(config, 7, "cpu")) {
            m.save(dir);
        }
        tokenizer.save(dir);
        if (template != null) {
            Map<String, Object> tc = new ConcurrentHashMap<>(Map.of("chat_template", template, "eos_token", Tokenizer.END_OF_TEXT,
                    "bos_token", Tokenizer.END_OF_TEXT));
            Files.writeString(dir.resolve("tokenizer_config.json"), Json.MAPPER.writeValueAsString(tc));
        }
        return dir;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.port() + "/v1";
    }

    @Override
    public void close() {
        server.close(Duration.ofSeconds(5));
        model.close();
    }
}
