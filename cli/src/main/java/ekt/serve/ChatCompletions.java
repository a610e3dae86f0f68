package ekt.serve;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.core.TokenEvent;
import ekt.serve.http.Exchange;
import ekt.tokenizer.Tokenizer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /v1/chat/completions}: messages rendered by the checkpoint's chat template, then
 * sampled like a completion (the same sampling fields, streaming, logprobs as OpenAI's chat
 * shape). A reply ends at the template's end-of-turn token (tokenizer_config's eos_token).
 */
final class ChatCompletions {
    private static final Set<String> FIELDS;

    static {
        Set<String> f = new HashSet<>(SamplingFields.NAMES);
        f.addAll(Set.of("messages", "logprobs", "top_logprobs", "max_completion_tokens", "return_tokens_as_token_ids"));
        FIELDS = Set.copyOf(f);
    }

    private final OpenAiServer server;
    private final ChatTemplate template;
    private final Integer endOfTurn;

    ChatCompletions(OpenAiServer server, ChatTemplate template) {
        this.server = server;
        this.template = template;
        int[] eos = template.eosToken().isEmpty() ? new int[0] : server.tokenizer.encode(template.eosToken(), Tokenizer.SpecialTokens.ALLOWED);
        this.endOfTurn = eos.length == 1 ? eos[0] : null;
    }

    void handle(Exchange ex, JsonNode body) throws IOException {
        Fields f = new Fields(body, FIELDS);
        server.checkModel(f.string("model"), "model");
        boolean logprobs = f.bool("logprobs", false);
        TokenNames names = new TokenNames(server.tokenTable, f.bool("return_tokens_as_token_ids", false));
        int top = (int) f.integer("top_logprobs", 0, 0, server.settings.maxLogprobs());
        if (f.has("top_logprobs") && !logprobs) throw ApiError.invalid("top_logprobs", "'top_logprobs' needs 'logprobs': true");
        if (f.has("max_completion_tokens") && f.has("max_tokens"))
            throw ApiError.invalid("max_completion_tokens", "give 'max_tokens' or 'max_completion_tokens', not both");
        int defaultMax = (int) f.integer("max_completion_tokens", Math.min(server.settings.maxTokens(), 256), 1, server.settings.maxTokens());
        SamplingFields s = SamplingFields.read(f, server.settings, server.model.info().vocabSize(), logprobs ? top : -1, defaultMax, 1);
        int[] prompt = server.tokenizer.encode(template.render(messages(f.get("messages"))), Tokenizer.SpecialTokens.ALLOWED);
        int context = server.model.info().contextLength();
        if (prompt.length + 1 > context) server.checkLength(prompt.length, 1);
        int maxTokens = Math.min(s.maxTokens(), context - prompt.length);  // chat replies stop at the context, as vLLM's do
        SamplingFields fitted = new SamplingFields(s.n(), s.samples(), s.temperature(), s.topP(), s.topK(), maxTokens, s.stop(), s.seed(),
                s.topLogprobs(), s.stream(), s.includeUsage());
        String id = "chatcmpl-" + ex.id();
        long created = server.created();
        ChoiceRun run = new ChoiceRun(server.engine, List.of(prompt), s.samples(), Math.max(0, s.topLogprobs()),
                fitted.engineOptions(server.seed(s.seed()), endOfTurn), () -> new ChoiceText(server.tokenTable, s.stop()));
        if (s.stream()) {
            stream(ex, s, run, logprobs, names, id, created, prompt.length);
            return;
        }
        if (!run.await(ex, (c, t) -> { })) return;
        List<ChoiceText> drawn = new ArrayList<>(Arrays.asList(run.choices));
        long completionTokens = drawn.stream().mapToLong(ChoiceText::generated).sum();
        if (s.samples() > s.n()) drawn.sort(Comparator.comparingDouble(ChoiceText::cumulativeLogprob).reversed());
        ObjectNode r = head(id, created, "chat.completion");
        ArrayNode choices = r.putArray("choices");
        for (int j = 0; j < s.n(); j++) {
            ChoiceText c = drawn.get(j);
            ChoiceText.Delta all = c.release();
            ObjectNode choice = choices.addObject().put("index", j);
            choice.putObject("message").put("role", "assistant").put("content", all.text());
            if (logprobs) choice.set("logprobs", logprobs(c, all, names)); else choice.putNull("logprobs");
            choice.put("finish_reason", c.finishReason());
        }
        Completions.usage(r, prompt.length, completionTokens);
        server.metrics.usage(prompt.length, completionTokens);
        OpenAiServer.sendJson(ex, 200, r);
    }

    private void stream(Exchange ex, SamplingFields s, ChoiceRun run, boolean logprobs, TokenNames names, String id, long created,
                        int promptTokens)
            throws IOException {
        ex.response().startEvents(200);
        for (int c = 0; c < s.n(); c++) {
            ObjectNode r = head(id, created, "chat.completion.chunk");
            ObjectNode choice = r.putArray("choices").addObject().put("index", c);
            choice.putObject("delta").put("role", "assistant").put("content", "");
            choice.putNull("logprobs").putNull("finish_reason");
            ex.response().event(Json.line(r));
        }
        boolean complete;
        try {
            complete = run.await(ex, (c, text) -> {
                ChoiceText.Delta d = text.release();
                if (d.text().isEmpty() && d.from() == d.to() && !text.done()) return;
                ObjectNode r = head(id, created, "chat.completion.chunk");
                ObjectNode choice = r.putArray("choices").addObject().put("index", c);
                ObjectNode delta = choice.putObject("delta");
                if (!d.text().isEmpty()) delta.put("content", d.text());
                if (logprobs) choice.set("logprobs", logprobs(text, d, names)); else choice.putNull("logprobs");
                if (text.done()) choice.put("finish_reason", text.finishReason()); else choice.putNull("finish_reason");
                ex.response().event(Json.line(r));
            });
        } catch (RuntimeException e) {
            Completions.abortStream(ex, e);
            throw e;
        }
        if (!complete) return;
        long completionTokens = Arrays.stream(run.choices).mapToLong(ChoiceText::generated).sum();
        server.metrics.usage(promptTokens, completionTokens);
        if (s.includeUsage()) {
            ObjectNode r = head(id, created, "chat.completion.chunk");
            r.putArray("choices");
            Completions.usage(r, promptTokens, completionTokens);
            ex.response().event(Json.line(r));
        }
        ex.response().event("[DONE]");
        ex.response().endEvents();
    }

    private ObjectNode head(String id, long created, String object) {
        return Json.object().put("id", id).put("object", object).put("created", created).put("model", server.settings.modelName());
    }

    /** OpenAI's chat logprobs: {"content": [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}]}. */
    private ObjectNode logprobs(ChoiceText c, ChoiceText.Delta d, TokenNames names) {
        ObjectNode lp = Json.object();
        ArrayNode content = lp.putArray("content");
        for (int i = d.from(); i < d.to(); i++) {
            TokenEvent e = c.tokens.get(i);
            ObjectNode t = entry(content.addObject(), e.token(), e.logprob(), names);
            ArrayNode alternatives = t.putArray("top_logprobs");
            for (int k = 0; k < e.topIds().length; k++) entry(alternatives.addObject(), e.topIds()[k], e.topLogprobs()[k], names);
        }
        return lp;
    }

    private ObjectNode entry(ObjectNode o, int token, float logprob, TokenNames names) {
        byte[] bytes = server.tokenTable[token];
        o.put("token", names.of(token)).put("logprob", logprob);
        ArrayNode b = o.putArray("bytes");
        for (byte x : bytes) b.add(x & 0xff);
        return o;
    }

    /** The messages as the template sees them: role and content strings (text parts joined). */
    private static List<Map<String, Object>> messages(JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty())
            throw ApiError.invalid("messages", "'messages' must be a non-empty array of {\"role\", \"content\"} objects");
        List<Map<String, Object>> out = new ArrayList<>();
        for (JsonNode m : messages) {
            Fields f = new Fields(m, Set.of("role", "content", "name"));
            String role = f.string("role");
            if (role == null) throw ApiError.invalid("messages", "every message needs a 'role'");
            JsonNode content = f.get("content");
            String text;
            if (content == null) text = "";
            else if (content.isTextual()) text = content.asText();
            else if (content.isArray()) {
                StringBuilder b = new StringBuilder();
                for (JsonNode part : content) {
                    if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual())
                        throw ApiError.invalid("messages", "only text content parts are supported");
                    b.append(part.get("text").asText());
                }
                text = b.toString();
            } else throw ApiError.invalid("messages", "a message's 'content' must be a string or an array of text parts");
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("role", role);
            message.put("content", text);
            if (f.string("name") != null) message.put("name", f.string("name"));
            out.add(message);
        }
        return out;
    }
}
