package ekt.train;

import java.nio.charset.StandardCharsets;

/**
 * Turns text into token ids for training records that carry text. The project's tokenizer
 * plugs in here; token-id records need no codec at all.
 */
@FunctionalInterface
public interface TextCodec {
    int[] encode(String text);

    /** One token per UTF-8 byte (ids 0-255), for byte-level models and tests. */
    static TextCodec utf8Bytes() {
        return text -> {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            int[] ids = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) ids[i] = bytes[i] & 0xff;
            return ids;
        };
    }
}
