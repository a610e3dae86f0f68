package ekt.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Streaming decode over the small vocabulary, where every byte of a character is a token of its own. */
class TokenizerStreamingTest {
    private final ByteLevelBpe small = ByteLevelBpe.smallVocabulary();

    @Test
    void holdsBackACharacterUntilItsLastByte() {
        StreamingDecoder stream = small.streamingDecoder(false);
        assertEquals("a", stream.next('a'));
        assertEquals("", stream.next(0xE2));
        assertEquals("", stream.next(0x82));
        assertEquals("\u20AC", stream.next(0xAC));
        assertEquals("", stream.next(0xF0));
        assertEquals("", stream.next(0x9F));
        assertEquals("", stream.next(0x98));
        assertEquals("\uD83D\uDE00", stream.next(0x80));
        assertEquals("", stream.finish());
    }

    @Test
    void emitsReplacementsAsSoonAsBytesCannotBecomeACharacter() {
        StreamingDecoder stream = small.streamingDecoder(false);
        assertEquals("", stream.next(0xE2));
        assertEquals("\uFFFDA", stream.next('A'));
        assertEquals("\uFFFD", stream.next(0x80)); // a continuation byte alone
        assertEquals("", stream.next(0xED));
        assertEquals("\uFFFD\uFFFD", stream.next(0xA0)); // ED takes 80-9F only: no encoded surrogates
        assertEquals("", stream.next(0xE2));
        assertEquals("\uFFFD", stream.finish());
    }

    @Test
    void skipsSpecialTokensWhenAsked() {
        StreamingDecoder keeping = small.streamingDecoder(false);
        StreamingDecoder skipping = small.streamingDecoder(true);
        assertEquals("<|endoftext|>", keeping.next(small.eosId()));
        assertEquals("", skipping.next(small.eosId()));
        assertEquals("", skipping.next(0xC3));
        assertEquals("", skipping.next(small.eosId()));
        assertEquals("\u00E9", skipping.next(0xA9));
    }

    /** Random bytes, valid or not, one token at a time: the pieces joined equal the one-shot decode. */
    @Test
    void piecesJoinToTheWholeDecode() {
        Random random = new Random(3);
        List<int[]> streams = new ArrayList<>();
        for (int i = 0; i < 2000; i++) streams.add(random.ints(random.nextInt(12), 0x70, 0x100).toArray());
        for (String text : ReferenceTexts.fuzz(4, 500)) streams.add(small.encode(text));
        for (int[] ids : streams) {
            StreamingDecoder stream = small.streamingDecoder(false);
            StringBuilder joined = new StringBuilder();
            for (int id : ids) joined.append(stream.next(id));
            joined.append(stream.finish());
            assertEquals(small.decode(ids), joined.toString());
        }
        byte[] valid = "na\u00EFve \u4E2D\u6587 \uD83D\uDC4D\uD83C\uDFFD".getBytes(StandardCharsets.UTF_8);
        StreamingDecoder stream = small.streamingDecoder(false);
        StringBuilder joined = new StringBuilder();
        for (byte b : valid) joined.append(stream.next(b & 0xFF));
        assertEquals(new String(valid, StandardCharsets.UTF_8), joined.toString());
    }
}
