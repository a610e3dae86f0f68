package ekt.pipeline.teacher;

import ekt.records.Json;
import ekt.core.Model;
import ekt.core.Finish;
import ekt.core.Placement;
import ekt.core.SamplingOptions;
import ekt.core.StopString;
import ekt.sample.EngineCompleter;
import ekt.sample.SamplePrompt;
import ekt.sample.SampleRecord;
import ekt.serve.OpenAiServer;
import ekt.serve.ServeSettings;
import ekt.tokenizer.ByteLevelBpe;
import ekt.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP completer against `ekt serve` ({@link OpenAiServer}) on a local checkpoint: the teacher
 * sends only what the server accepts and reads what it returns. Each completion that comes back
 * over HTTP must be exactly the one the engine draws directly for the same prompt and seed, less
 * the stop string (OpenAI's completions leave it out of the text).
 */
class EngineOverHttpTest {
    @Test
    void httpCompletionsAreTheEnginesOwn(@TempDir Path dir) throws Exception {
        ByteLevelBpe tokenizer = ByteLevelBpe.smallVocabulary();
        String config = Json.line(Json.object().put("model_type", "gpt2").put("vocab_size", tokenizer.vocabSize()).put("n_positions", 64)
                .put("n_embd", 32).put("n_layer", 2).put("n_head", 4).put("eos_token_id", tokenizer.eosId()).put("bos_token_id", tokenizer.eosId()));
        try (Model m = Model.init(config, 7, "cpu")) {
            m.save(dir);
        }
        tokenizer.save(dir);
        List<SamplePrompt> prompts = List.of(SamplePrompt.ofText("q1", "# Mia has 3 apples."), SamplePrompt.ofText("q2", "# x"));
        SamplingOptions spec = SamplingOptions.builder().n(3).temperature(0.9).maxNewTokens(12).stopStrings(List.of(StopString.of("\n")))
                .seed(5).build();  // top-k is not part of the OpenAI API

        Map<String, SampleRecord> overHttp = new HashMap<>();
        try (Model served = Model.load(dir);
             OpenAiServer server = new OpenAiServer(served, Tokenizer.load(dir), dir, ServeSettings.defaults("tiny"), "127.0.0.1", 0, line -> { });
             HttpCompleter http = new HttpCompleter(URI.create("http://127.0.0.1:" + server.port()), HttpCompleter.Options.defaults("tiny"))) {
            http.complete(prompts, spec, c -> overHttp.put(c.id() + "/" + c.sample(), c));
        }
        assertEquals(6, overHttp.size());

        try (EngineCompleter direct = EngineCompleter.open(dir, Placement.CPU)) {
            for (SamplePrompt p : prompts) {
                // The server keys every prompt as the engine keys id "0"; the HTTP teacher sends a seed mixed from the run seed and the id.
                SamplingOptions asServed = spec.toBuilder().seed(HttpCompleter.seedFor(spec.seed(), p.id())).build();
                direct.complete(List.of(SamplePrompt.ofText("0", p.text())), asServed, c -> {
                    SampleRecord h = overHttp.get(p.id() + "/" + c.sample());
                    String withoutStop = c.finish() == Finish.STOP && c.text().endsWith("\n") ? c.text().substring(0, c.text().length() - 1) : c.text();
                    assertEquals(withoutStop, h.text(), p.id() + " sample " + c.sample());
                    if (c.finish() == Finish.LENGTH) assertEquals(c.logprob(), h.logprob(), 1e-5 * Math.abs(c.logprob()));
                    assertEquals(c.finish() == Finish.LENGTH ? Finish.LENGTH : Finish.STOP, h.finish());
                });
            }
        }
        assertTrue(overHttp.values().stream().noneMatch(c -> c.text().indexOf('\n') >= 0), "the stop string ends every completion and is left out");
    }
}
