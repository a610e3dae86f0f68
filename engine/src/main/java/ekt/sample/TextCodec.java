package ekt.sample;

import ekt.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Text to token ids and back, for one model's vocabulary. The sampling engine itself works on
 * token ids; a codec adds text prompts, sample text and stop strings on top.
 */
public interface TextCodec {
    int[] encode(String text);

    String decode(int[] tokens);

    /**
     * The exact bytes token {@code id} stands for (for byte-level BPE, possibly part of a UTF-8
     * character). The engine matches stop strings on these bytes and sample text is their
     * concatenation. The default suits codecs whose tokens are whole characters.
     */
    default byte[] tokenBytes(int id) {
        return decode(new int[]{id}).getBytes(StandardCharsets.UTF_8);
    }

    /** The codec of a model directory, if it has a tokenizer. */
    static Optional<TextCodec> forModel(Path modelDir) {
        return Tokenizer.isPresent(modelDir) ? Optional.of(of(Tokenizer.load(modelDir))) : Optional.empty();
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
        };
    }
}
