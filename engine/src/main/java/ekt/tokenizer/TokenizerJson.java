package ekt.tokenizer;

import ekt.records.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face's tokenizer.json restricted to what GPT-2-style models use: a BPE model (merges as
 * "left right" strings or, in newer files, ["left", "right"] pairs), ByteLevel pre-tokenizer and
 * decoder, added tokens. Anything that would change the ids (a normalizer, a template post-processor,
 * dropout, prefix spaces) is refused rather than ignored.
 */
final class TokenizerJson {

    private TokenizerJson() {
    }

    static ByteLevelBpe read(Path file) {
        JsonNode root = parse(file);
        JsonNode model = root.path("model");
        if (!model.isObject()) throw TokenizerException.inFile(file, "model", "missing or not an object");
        String type = model.path("type").asText("BPE");
        if (!type.equals("BPE")) throw TokenizerException.inFile(file, "model.type", "'" + type + "' is not supported, only BPE");
        requireAbsentOr(file, model, "dropout", "model.dropout", "null or 0", n -> n.isNumber() && n.asDouble() == 0);
        requireAbsentOr(file, model, "continuing_subword_prefix", "model.continuing_subword_prefix", "null or \"\"", n -> n.asText().isEmpty());
        requireAbsentOr(file, model, "end_of_word_suffix", "model.end_of_word_suffix", "null or \"\"", n -> n.asText().isEmpty());
        requireAbsentOr(file, model, "ignore_merges", "model.ignore_merges", "false", n -> !n.asBoolean());
        requireAbsentOr(file, root, "normalizer", "normalizer", "null", n -> false);
        requireAbsentOr(file, root, "post_processor", "post_processor", "null or ByteLevel", TokenizerJson::isByteLevel);
        JsonNode decoder = root.path("decoder");
        if (!isByteLevel(decoder)) throw TokenizerException.inFile(file, "decoder", "must be ByteLevel, got " + describe(decoder));
        JsonNode pre = root.path("pre_tokenizer");
        if (!isByteLevel(pre)) throw TokenizerException.inFile(file, "pre_tokenizer", "must be ByteLevel, got " + describe(pre));
        requireAbsentOr(file, pre, "add_prefix_space", "pre_tokenizer.add_prefix_space", "false", n -> !n.asBoolean());

        VocabularyBuilder builder = new VocabularyBuilder();
        JsonNode vocab = model.path("vocab");
        if (!vocab.isObject()) throw TokenizerException.inFile(file, "model.vocab", "missing or not an object");
        for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) vocab::fields) {
            String entry = "model.vocab[\"" + e.getKey() + "\"]";
            if (!e.getValue().canConvertToInt() || !e.getValue().isIntegralNumber()) {
                throw TokenizerException.inFile(file, entry, "id is not an integer: " + e.getValue());
            }
            builder.token(e.getKey(), e.getValue().intValue(), file, entry);
        }
        readAddedTokens(file, root.path("added_tokens"), builder);
        readMerges(file, model.path("merges"), builder);
        return builder.build(pre.path("use_regex").asBoolean(true), file);
    }

    private static void readMerges(Path file, JsonNode merges, VocabularyBuilder builder) {
        if (!merges.isArray()) throw TokenizerException.inFile(file, "model.merges", "missing or not an array");
        for (int i = 0; i < merges.size(); i++) {
            JsonNode merge = merges.get(i);
            String entry = "model.merges[" + i + "]";
            String[] pair;
            if (merge.isTextual()) {
                pair = merge.asText().split(" ", -1);
            } else if (merge.isArray() && merge.size() == 2 && merge.get(0).isTextual() && merge.get(1).isTextual()) {
                pair = new String[] {merge.get(0).asText(), merge.get(1).asText()};
            } else {
                pair = new String[0];
            }
            if (pair.length != 2 || pair[0].isEmpty() || pair[1].isEmpty()) {
                throw TokenizerException.inFile(file, entry, "expected \"left right\" or [\"left\", \"right\"], got " + merge);
            }
            builder.merge(pair[0], pair[1], file, entry);
        }
    }

    private static void readAddedTokens(Path file, JsonNode addedTokens, VocabularyBuilder builder) {
        if (addedTokens.isMissingNode() || addedTokens.isNull()) return;
        if (!addedTokens.isArray()) throw TokenizerException.inFile(file, "added_tokens", "not an array");
        for (int i = 0; i < addedTokens.size(); i++) {
            JsonNode t = addedTokens.get(i);
            String entry = "added_tokens[" + i + "]";
            if (!t.path("id").isIntegralNumber() || !t.path("content").isTextual()) {
                throw TokenizerException.inFile(file, entry, "needs an integer id and a string content, got " + t);
            }
            for (String flag : List.of("single_word", "lstrip", "rstrip")) {
                if (t.path(flag).asBoolean(false)) throw TokenizerException.inFile(file, entry + "." + flag, "true is not supported");
            }
            builder.added(t.get("content").asText(), t.get("id").intValue(), t.path("special").asBoolean(false), file, entry);
        }
    }

    private static String describe(JsonNode node) {
        return node.isMissingNode() ? "nothing" : node.toString();
    }

    private static boolean isByteLevel(JsonNode node) {
        return node.path("type").asText().equals("ByteLevel");
    }

    private static void requireAbsentOr(Path file, JsonNode parent, String field, String entry, String allowed,
                                        java.util.function.Predicate<JsonNode> isAllowed) {
        JsonNode value = parent.path(field);
        if (value.isMissingNode() || value.isNull() || isAllowed.test(value)) return;
        throw TokenizerException.inFile(file, entry, "must be " + allowed + ", got " + value + " (not supported)");
    }

    private static JsonNode parse(Path file) {
        try {
            JsonNode root = Json.MAPPER.readTree(file.toFile());
            if (root == null || !root.isObject()) throw TokenizerException.inFile(file, "top level", "expected a JSON object");
            return root;
        } catch (JsonProcessingException e) {
            throw TokenizerException.inFile(file, "not valid JSON: " + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr(), e);
        } catch (IOException e) {
            throw TokenizerException.inFile(file, "cannot read: " + e, e);
        }
    }

    /**
     * Writes the file Hugging Face writes for GPT-2, with this tokenizer's vocabulary. Merges are written
     * as pairs (tokenizers 0.20 onwards), which, unlike "left right" strings, hold any symbol.
     */
    static void write(ByteLevelBpe tokenizer, Path file) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (AddedTokens.Token t : tokenizer.addedTokens()) {
            added.addObject().put("id", t.id()).put("content", t.content()).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", t.special());
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel(false, true, tokenizer.splitsPieces()));
        root.set("post_processor", byteLevel(true, false, true));
        root.set("decoder", byteLevel(true, true, true));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout").putNull("unk_token").put("continuing_subword_prefix", "")
                .put("end_of_word_suffix", "").put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        List<String> tokens = tokenizer.tokens();
        for (int id = 0; id < tokens.size(); id++) {
            if (tokens.get(id) != null) vocab.put(tokens.get(id), id);
        }
        ArrayNode merges = model.putArray("merges");
        MergeTable table = tokenizer.merges();
        for (int rank = 0; rank < table.size(); rank++) {
            merges.addArray().add(tokens.get(table.left(rank))).add(tokens.get(table.right(rank)));
        }
        try {
            Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
        } catch (IOException e) {
            throw TokenizerException.inFile(file, "cannot write: " + e, e);
        }
    }

    private static ObjectNode byteLevel(boolean addPrefixSpace, boolean trimOffsets, boolean useRegex) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        return node.put("type", "ByteLevel").put("add_prefix_space", addPrefixSpace).put("trim_offsets", trimOffsets).put("use_regex", useRegex);
    }
}
