package ekt.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Text to token ids and back, as the model that owns the tokenizer expects. Implementations are
 * immutable and thread-safe; every call returns fresh arrays the caller owns.
 */
public interface Tokenizer {
    /** End of text; GPT-2, GPT-Neo and GPT-J use it as end of sequence, and so do ekt's own models. */
    String END_OF_TEXT = "<|endoftext|>";
    /** Padding in ekt's small-vocabulary models. */
    String PAD = "<|pad|>";
    /** The file {@link #save} writes and {@link #load} prefers. */
    String TOKENIZER_JSON = "tokenizer.json";

    /** Whether encoding turns special-token text such as {@code <|endoftext|>} into the special token. */
    enum SpecialTokens {
        /** Special-token text is ordinary text (tiktoken's {@code disallowed_special=()}): safe for user input. */
        AS_TEXT,
        /** Special-token text becomes the special token (tiktoken's {@code allowed_special="all"}). */
        ALLOWED
    }

    /** Encodes text in which special-token text is plain text. */
    default int[] encode(String text) {
        return encode(text, SpecialTokens.AS_TEXT);
    }

    /**
     * Encodes text into token ids.
     *
     * @param text     any text; empty gives an empty array
     * @param specials whether special-token text in {@code text} becomes the special token
     */
    int[] encode(String text, SpecialTokens specials);

    /** Encodes texts in parallel (on the common fork-join pool); the result is in input order. */
    default List<int[]> encodeBatch(List<String> texts) {
        return encodeBatch(texts, SpecialTokens.AS_TEXT);
    }

    /**
     * Encodes texts in parallel (on the common fork-join pool) as {@link #encode(String, SpecialTokens)} does.
     *
     * @return one id array per text, in input order
     */
    default List<int[]> encodeBatch(List<String> texts, SpecialTokens specials) {
        return texts.parallelStream().map(text -> encode(text, specials)).toList();
    }

    /**
     * Decodes ids, special tokens included as their text. Byte sequences that are not valid UTF-8 become
     * U+FFFD, as in Hugging Face's decoder.
     *
     * @throws IllegalArgumentException for an id that names no token
     */
    String decode(int[] ids);

    /** Decodes ids, leaving special tokens out. */
    String decodeSkippingSpecials(int[] ids);

    /** A decoder for ids that arrive one at a time, e.g. while sampling. */
    StreamingDecoder streamingDecoder(boolean skipSpecials);

    /** One more than the largest id. */
    int vocabSize();

    /** The id of {@link #END_OF_TEXT}. */
    int eosId();

    /** The exact bytes token {@code id} stands for (for byte-level BPE, possibly part of a UTF-8 character). */
    byte[] tokenBytes(int id);

    /** The id of a token given in its vocabulary spelling (e.g. "Ġthe"), if there is one. */
    OptionalInt tokenId(String token);

    /**
     * The vocabulary spelling of a token.
     *
     * @throws IllegalArgumentException for an id that names no token
     */
    String token(int id);

    /**
     * @return whether {@code id} is a special token (such as {@link #END_OF_TEXT}), which
     *         {@link #decodeSkippingSpecials} leaves out
     */
    boolean isSpecial(int id);

    /** The special tokens by their text. */
    Map<String, Integer> specialTokenIds();

    /**
     * Writes {@value #TOKENIZER_JSON} (Hugging Face format), tokenizer_config.json and
     * special_tokens_map.json (end-of-text as bos, eos, unk and pad) into a model directory.
     */
    void save(Path modelDir);

    /**
     * Loads the tokenizer of a model directory: {@value #TOKENIZER_JSON} if present, otherwise the older
     * pair vocab.json + merges.txt.
     */
    static Tokenizer load(Path modelDir) {
        if (!isPresent(modelDir)) throw new TokenizerException(modelDir + ": no " + TOKENIZER_JSON + ", nor vocab.json with merges.txt");
        Path json = modelDir.resolve(TOKENIZER_JSON);
        if (Files.isRegularFile(json)) return ByteLevelBpe.fromTokenizerJson(json);
        return ByteLevelBpe.fromVocabAndMerges(modelDir.resolve("vocab.json"), modelDir.resolve("merges.txt"));
    }

    /** Whether {@link #load} finds tokenizer files in {@code modelDir}. */
    static boolean isPresent(Path modelDir) {
        return Files.isRegularFile(modelDir.resolve(TOKENIZER_JSON))
                || (Files.isRegularFile(modelDir.resolve("vocab.json")) && Files.isRegularFile(modelDir.resolve("merges.txt")));
    }
}
