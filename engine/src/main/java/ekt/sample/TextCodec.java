package ekt.sample;

import ekt.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Text to token ids and back, for one model's vocabulary: the one tokenizer seam of the engine.
 * Sampling and training work on token ids; a codec adds text prompts, sample text, stop strings
 * and text training records on top.
 */
public interface TextCodec {
    /** The token ids of {@code text}; special-token text such as {@code <|endoftext|>} stays plain text, no BOS/EOS is added. */
    int[] encode(String text);

    /** The text of {@code tokens} (special tokens as their text; bytes that are not valid UTF-8 become U+FFFD). */
    String decode(int[] tokens);

    /**
     * The exact bytes token {@code id} stands for (for byte-level BPE, possibly part of a UTF-8
     * character). The engine matches stop strings on these bytes and sample text is their
     * concatenation. The default suits codecs whose tokens are whole characters.
     */
    default byte[] tokenBytes(int id) {
        return decode(new int[]{id}).getBytes(StandardCharsets.UTF_8);
    }

    /** How many token ids stand for text (0 to vocabSize - 1); the default: every id. */
    default int vocabSize() {
        return Integer.MAX_VALUE;
    }

    /**
     * The bytes of each of a model's {@code modelVocab} token ids, as the engine matches stop strings
     * and writes sample text. A model's embedding may have more rows than its tokenizer has tokens
     * (GPT-J's 50400 over GPT-2's 50257, Qwen2's padding): ids past {@link #vocabSize} stand for no
     * text, as Hugging Face's decode drops them.
     */
    default byte[][] tokenTable(int modelVocab) {
        byte[][] table = new byte[modelVocab][];
        for (int t = 0; t < modelVocab; t++) table[t] = t < vocabSize() ? tokenBytes(t) : new byte[0];
        return table;
    }

    /** The codec of a model directory, if it has a tokenizer. */
    static Optional<TextCodec> forModel(Path modelDir) {
        return Tokenizer.isPresent(modelDir) ? Optional.of(of(Tokenizer.load(modelDir))) : Optional.empty();
    }

    /** One token per UTF-8 byte (ids 0-255), for byte-level models and tests. */
    static TextCodec utf8Bytes() {
        return new TextCodec() {
            @Override
            public int[] encode(String text) {
                byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                int[] ids = new int[bytes.length];
                for (int i = 0; i < bytes.length; i++) ids[i] = bytes[i] & 0xff;
                return ids;
            }

            @Override
            public String decode(int[] tokens) {
                byte[] bytes = new byte[tokens.length];
                for (int i = 0; i < tokens.length; i++) bytes[i] = (byte) tokens[i];
                return new String(bytes, StandardCharsets.UTF_8);
            }

            @Override
            public byte[] tokenBytes(int id) {
                return new byte[]{(byte) id};
            }

            @Override
            public int vocabSize() {
                return 256;
            }
        };
    }

    /** The codec of a tokenizer: text with special tokens as plain text, raw token bytes. */
    static TextCodec of(Tokenizer tokenizer) {
        return new TextCodec() {
            @Override
            public int[] encode(String text) {
                return tokenizer.encode(text);
            }

            @Override
            public String decode(int[] tokens) {
                return tokenizer.decode(tokens);
            }

            @Override
            public byte[] tokenBytes(int id) {
                return tokenizer.tokenBytes(id);
            }

            @Override
            public int vocabSize() {
                return tokenizer.vocabSize();
            }
        };
    }
}
