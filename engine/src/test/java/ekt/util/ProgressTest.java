package ekt.util;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one progress line: plain timestamped lines off a terminal, in-place redraws on one, one format. */
class ProgressTest {
    private static String render(boolean terminal, java.util.function.Consumer<Progress> use) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (Progress p = new Progress("exec", 10, "programs", "tokens", new PrintStream(buf, true, StandardCharsets.UTF_8), terminal)) {
            use.accept(p);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void offATerminalLinesArePlainTimestampedAndNotRepeated() {
        String out = render(false, p -> {
            p.skip(4);
            p.advance(3, 300);
            p.report();
            p.log("a message");
            p.advance(3, 300);
            p.detail("correct 5");
            p.report();
        });
        assertFalse(out.contains("\r") || out.contains("\u001b"), out);
        String[] lines = out.split("\n");
        assertEquals(3, lines.length, "two reports and the message; the closing line is not printed again: " + out);
        assertTrue(lines[0].matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\[exec] 7/10 programs \\(70%\\) \\| [\\d.]+ programs/s \\| [\\d.]+ tokens/s \\| ETA \\d\\d:\\d\\d"),
                lines[0]);
        assertEquals("a message", lines[1]);
        assertTrue(lines[2].matches(".* \\[exec] 10/10 programs \\(100%\\) \\| .* \\| took \\d\\d:\\d\\d \\| correct 5"), lines[2]);
    }

    @Test
    void onATerminalTheLineIsRedrawnInPlace() {
        String out = render(true, p -> {
            p.advance(5);
            p.log("checkpoint x");
        });
        assertTrue(out.contains("\r[exec] 5/10 programs (50%)"), out);
        assertTrue(out.contains("\r\u001b[Kcheckpoint x\n"), "a message clears the line first: " + out);
        assertTrue(out.endsWith("\u001b[K\n"), "the final redraw ends the line");
    }

    @Test
    void durationsHaveOneFormat() {
        assertEquals("00:59", Progress.clock(59.4));
        assertEquals("06:09", Progress.clock(369));
        assertEquals("1:00:01", Progress.clock(3601));
    }
}
