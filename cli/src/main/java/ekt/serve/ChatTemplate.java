package ekt.serve;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A checkpoint's chat template ({@code tokenizer_config.json}'s {@code chat_template}), rendered
 * with Jinjava as Hugging Face renders it (trim_blocks and lstrip_blocks on, {@code messages},
 * {@code add_generation_prompt}, {@code bos_token}, {@code eos_token}, {@code raise_exception}).
 */
final class ChatTemplate {
    private final String template;
    private final String bosToken;
    private final String eosToken;
    private final Jinjava jinjava;

    private ChatTemplate(String template, String bosToken, String eosToken) {
        this.template = template;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.jinjava = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).build());
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raise", String.class));
    }

    /** The template of a checkpoint directory, if its tokenizer_config.json has one. */
    static Optional<ChatTemplate> of(Path modelDir) {
        Path file = modelDir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(file)) return Optional.empty();
        JsonNode config;
        try {
            config = Json.MAPPER.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not readable JSON (" + e.getMessage() + ")", e);
        }
        JsonNode t = config.path("chat_template");
        String template = null;
        if (t.isTextual()) template = t.asText();
        else if (t.isArray()) {
            for (JsonNode named : t) if ("default".equals(named.path("name").asText())) template = named.path("template").asText(null);
        }
        if (template == null) return Optional.empty();
        return Optional.of(new ChatTemplate(template, token(config.get("bos_token")), token(config.get("eos_token"))));
    }

    private static String token(JsonNode t) {
        if (t == null || t.isNull()) return "";
        return t.isTextual() ? t.asText() : t.path("content").asText("");
    }

    /** The end-of-turn token text (tokenizer_config's eos_token), "" if none. */
    String eosToken() {
        return eosToken;
    }

    /** The prompt for {@code messages}, ending where the assistant's reply starts. */
    String render(List<Map<String, Object>> messages) {
        Map<String, Object> context = new HashMap<>();
        context.put("messages", messages);
        context.put("add_generation_prompt", true);
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        RenderResult result;
        try {
            result = jinjava.renderForResult(template, context);
        } catch (RuntimeException e) {
            throw ApiError.invalid("messages", "the model's chat template rejected the messages: " + e.getMessage());
        }
        for (TemplateError e : result.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL)
                throw ApiError.invalid("messages", "the model's chat template rejected the messages: " + rootMessage(e));
        }
        return result.getOutput();
    }

    /** The template's own words where it raised them (Jinjava wraps them in "Error invoking function"). */
    private static String rootMessage(TemplateError e) {
        Throwable t = e.getException();
        while (t != null && t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t instanceof IllegalArgumentException && t.getMessage() != null ? t.getMessage() : e.getMessage();
    }

    /** raise_exception(message) in a template: the messages are not what the template accepts. */
    public static String raise(String message) {
        throw new IllegalArgumentException(message);
    }
}
