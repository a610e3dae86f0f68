package ekt.serve;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.core.PromptScores;
import ekt.core.TokenEvent;
import ekt.serve.http.Exchange;
import ekt.tokenizer.StreamingDecoder;
import ekt.tokenizer.Tokenizer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code POST /v1/completions}: prompt as a string, strings, token ids or lists of token ids; n,
 * best_of, temperature, top_p, top_k, max_tokens, stop, seed, logprobs, echo, stream. Choice
 * {@code p * n + j} is sample j of prompt p, as in the OpenAI API.
 */
final class Completions {
    private static final Set<String> FIELDS;

    static {
        Set<String> f = new HashSet<>(SamplingFields.NAMES);
        f.addAll(Set.of("prompt", "logprobs", "echo", "suffix", "return_tokens_as_token_ids"));
        FIELDS = Set.copyOf(f);
    }

    /** A prompt as tokens, with the text echo returns. */
    private record Prompt(int[] tokens, String text) {
    }

    private final OpenAiServer server;

    Completions(OpenAiServer server) {
        this.server = server;
    }

    void handle(Exchange ex, JsonNode body) throws IOException {
        Fields f = new Fields(body, FIELDS);
        server.checkModel(f.string("model"), "model");
        if (f.string("suffix") != null) throw ApiError.invalid("suffix", "'suffix' is not supported by this server");
        int logprobs = (int) f.integer("logprobs", -1, 0, server.settings.maxLogprobs());
        boolean echo = f.bool("echo", false);
        TokenNames names = new TokenNames(server.tokenTable, f.bool("return_tokens_as_token_ids", false));
        SamplingFields s = SamplingFields.read(f, server.settings, server.model.info().vocabSize(), logprobs, 16, echo ? 0 : 1);
        List<Prompt> prompts = prompts(f.get("prompt"));
        for (Prompt p : prompts) server.checkLength(p.tokens().length, s.maxTokens());
        String id = "cmpl-" + ex.id();
        long created = server.created();
        long promptTokens = prompts.stream().mapToLong(p -> p.tokens().length).sum();
        ObjectNode[] echoed = new ObjectNode[prompts.size()];
        if (echo) for (int p = 0; p < prompts.size(); p++) echoed[p] = echoLogprobs(prompts.get(p), logprobs, names);

        if (s.maxTokens() == 0) {  // scoring: the prompts alone
            if (s.stream()) throw ApiError.invalid("stream", "scoring a prompt (max_tokens 0 with echo) cannot be streamed");
            ObjectNode r = head(id, created);
            ArrayNode choices = r.putArray("choices");
            for (int p = 0; p < prompts.size(); p++)
                for (int j = 0; j < s.n(); j++) choice(choices, p * s.n() + j, prompts.get(p).text(), echoed[p], "length");
            usage(r, promptTokens, 0);
            OpenAiServer.sendJson(ex, 200, r);
            return;
        }
        String options = s.engineOptions(server.seed(s.seed()), null);
        ChoiceRun run = new ChoiceRun(server.engine, prompts.stream().map(Prompt::tokens).toList(), s.samples(), logprobs, options,
                () -> new ChoiceText(server.tokenTable, s.stop()));
        if (s.stream()) {
            stream(ex, s, run, prompts, echo ? echoed : null, logprobs, names, id, created, promptTokens);
            return;
        }
        if (!run.await(ex, (c, t) -> { })) return;
        ObjectNode r = head(id, created);
        ArrayNode choices = r.putArray("choices");
        long completionTokens = 0;
        for (int p = 0; p < prompts.size(); p++) {
            List<ChoiceText> drawn = new ArrayList<>(Arrays.asList(run.choices).subList(p * s.samples(), (p + 1) * s.samples()));
            for (ChoiceText c : drawn) completionTokens += c.generated();
            if (s.samples() > s.n()) drawn.sort(Comparator.comparingDouble(ChoiceText::cumulativeLogprob).reversed());
            for (int j = 0; j < s.n(); j++) {
                ChoiceText c = drawn.get(j);
                String prefix = echo ? prompts.get(p).text() : "";
                ChoiceText.Delta all = c.release();
                ObjectNode lp = logprobs < 0 ? null : merge(echoed[p], tokenLogprobs(c, all, prefix.length(), names));
                choice(choices, p * s.n() + j, prefix + all.text(), lp, c.finishReason());
            }
        }
        usage(r, promptTokens, completionTokens);
        server.metrics.usage(promptTokens, completionTokens);
        OpenAiServer.sendJson(ex, 200, r);
    }

    /** @param echoed the prompts' logprobs (entries null without logprobs) when echoing, else null */
    private void stream(Exchange ex, SamplingFields s, ChoiceRun run, List<Prompt> prompts, ObjectNode[] echoed, int logprobs,
                        TokenNames names, String id, long created, long promptTokens) throws IOException {
        ex.response().startEvents(200);
        int[] echoLength = new int[run.choices.length];
        if (echoed != null) {  // echo: the prompts come first
            for (int c = 0; c < run.choices.length; c++) {
                Prompt p = prompts.get(c / s.n());
                echoLength[c] = p.text().length();
                ObjectNode r = head(id, created);
                choice(r.putArray("choices"), c, p.text(), logprobs < 0 ? null : echoed[c / s.n()], null);
                ex.response().event(Json.line(r));
            }
        }
        boolean complete;
        try {
            complete = run.await(ex, (c, text) -> {
                ChoiceText.Delta d = text.release();
                if (d.text().isEmpty() && d.from() == d.to() && !text.done()) return;
                ObjectNode r = head(id, created);
                choice(r.putArray("choices"), c, d.text(), logprobs < 0 ? null : tokenLogprobs(text, d, echoLength[c], names),
                        text.done() ? text.finishReason() : null);
                ex.response().event(Json.line(r));
            });
        } catch (RuntimeException e) {
            abortStream(ex, e);
            throw e;
        }
        if (!complete) return;
        long completionTokens = Arrays.stream(run.choices).mapToLong(ChoiceText::generated).sum();
        server.metrics.usage(promptTokens, completionTokens);
        if (s.includeUsage()) {
            ObjectNode r = head(id, created);
            r.putArray("choices");
            usage(r, promptTokens, completionTokens);
            ex.response().event(Json.line(r));
        }
        ex.response().event("[DONE]");
        ex.response().endEvents();
    }

    private ObjectNode head(String id, long created) {
        return Json.object().put("id", id).put("object", "text_completion").put("created", created).put("model", server.settings.modelName());
    }

    private static void choice(ArrayNode choices, int index, String text, ObjectNode logprobs, String finish) {
        ObjectNode c = choices.addObject().put("index", index).put("text", text);
        if (logprobs == null) c.putNull("logprobs"); else c.set("logprobs", logprobs);
        if (finish == null) c.putNull("finish_reason"); else c.put("finish_reason", finish);
    }

    /** OpenAI's {@code usage} object, shared by completions and chat completions. */
    static void usage(ObjectNode r, long prompt, long completion) {
        r.putObject("usage").put("prompt_tokens", prompt).put("completion_tokens", completion).put("total_tokens", prompt + completion);
    }

    /** Ends a stream that failed midway: an OpenAI-shaped error event, then {@code [DONE]}. */
    static void abortStream(Exchange ex, RuntimeException e) throws IOException {
        ex.response().event(Json.line(ApiError.body("server_error", e.getMessage(), null, null)));
        ex.response().event("[DONE]");
        ex.response().endEvents();
    }

    /** The prompt list of the request: a string, strings, token ids or lists of token ids. */
    private List<Prompt> prompts(JsonNode p) {
        String shape = "'prompt' must be a string, an array of strings, an array of token ids or an array of arrays of token ids";
        if (p == null) throw ApiError.invalid("prompt", "'prompt' is required");
        List<Prompt> out = new ArrayList<>();
        if (p.isTextual()) out.add(text(p.asText()));
        else if (p.isArray() && !p.isEmpty() && p.get(0).isTextual()) {
            for (JsonNode x : p) {
                if (!x.isTextual()) throw ApiError.invalid("prompt", shape);
                out.add(text(x.asText()));
            }
        } else if (p.isArray() && !p.isEmpty() && p.get(0).isNumber()) out.add(ids(p, shape));
        else if (p.isArray() && !p.isEmpty() && p.get(0).isArray()) {
            for (JsonNode x : p) {
                if (!x.isArray()) throw ApiError.invalid("prompt", shape);
                out.add(ids(x, shape));
            }
        } else throw ApiError.invalid("prompt", p.isArray() && p.isEmpty() ? "'prompt' is empty" : shape);
        return out;
    }

    private Prompt text(String s) {
        return new Prompt(server.tokenizer.encode(s, Tokenizer.SpecialTokens.ALLOWED), s);
    }

    private Prompt ids(JsonNode array, String shape) {
        int vocab = server.model.info().vocabSize();
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = array.get(i);
            if (!t.isIntegralNumber()) throw ApiError.invalid("prompt", shape);
            if (t.asLong() < 0 || t.asLong() >= vocab) throw ApiError.invalid("prompt", "token id " + t + " is outside the vocabulary [0, " + vocab + ")");
            ids[i] = t.asInt();
        }
        return new Prompt(ids, server.tokenizer.decode(ids));
    }

    /** Logprobs of the prompt's own tokens (the first has none), for echo. */
    private ObjectNode echoLogprobs(Prompt p, int logprobs, TokenNames names) {
        if (logprobs < 0) return null;
        PromptScores scores = server.model.score(p.tokens(), logprobs);
        ObjectNode lp = emptyLogprobs();
        StreamingDecoder decoder = server.tokenizer.streamingDecoder(false);
        int offset = 0;
        for (int t = 0; t < p.tokens().length; t++) {
            int token = p.tokens()[t];
            ((ArrayNode) lp.get("tokens")).add(names.of(token));
            ((ArrayNode) lp.get("text_offset")).add(offset);
            offset += decoder.next(token).length();
            if (t == 0) {
                ((ArrayNode) lp.get("token_logprobs")).addNull();
                ((ArrayNode) lp.get("top_logprobs")).addNull();
            } else {
                ((ArrayNode) lp.get("token_logprobs")).add(scores.logprobs()[t]);
                ((ArrayNode) lp.get("top_logprobs")).add(top(scores.topIds()[t], scores.topLogprobs()[t], token, scores.logprobs()[t], names));
            }
        }
        return lp;
    }

    private ObjectNode tokenLogprobs(ChoiceText c, ChoiceText.Delta d, int offsetBase, TokenNames names) {
        ObjectNode lp = emptyLogprobs();
        for (int i = d.from(); i < d.to(); i++) {
            TokenEvent e = c.tokens.get(i);
            ((ArrayNode) lp.get("tokens")).add(names.of(e.token()));
            ((ArrayNode) lp.get("token_logprobs")).add(e.logprob());
            ((ArrayNode) lp.get("top_logprobs")).add(top(e.topIds(), e.topLogprobs(), e.token(), e.logprob(), names));
            ((ArrayNode) lp.get("text_offset")).add(offsetBase + c.offsets.get(i));
        }
        return lp;
    }

    /** The top alternatives as {token name: logprob}, the chosen token always among them (as OpenAI does). */
    private static ObjectNode top(int[] ids, float[] lps, int chosen, float chosenLogprob, TokenNames names) {
        ObjectNode o = Json.object();
        for (int k = 0; k < ids.length; k++) o.put(names.of(ids[k]), lps[k]);
        o.put(names.of(chosen), chosenLogprob);  // the same number as token_logprobs (the two are computed apart)
        return o;
    }

    private static ObjectNode emptyLogprobs() {
        ObjectNode lp = Json.object();
        lp.putArray("tokens");
        lp.putArray("token_logprobs");
        lp.putArray("top_logprobs");
        lp.putArray("text_offset");
        return lp;
    }

    private static ObjectNode merge(ObjectNode first, ObjectNode second) {
        if (first == null) return second;
        ObjectNode out = first.deepCopy();
        for (String k : List.of("tokens", "token_logprobs", "top_logprobs", "text_offset")) ((ArrayNode) out.get(k)).addAll((ArrayNode) second.get(k));
        return out;
    }
}
