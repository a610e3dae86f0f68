package ekt.records;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Invalid UTF-8 costs its line, reported with file and line number, not the whole file. */
class JsonlTest {
    @Test
    void invalidUtf8IsReportedPerLine(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes("{\"id\": \"a\", \"text\": \"caf\u00e9 \uD83D\uDE00\"}\n".getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes(new byte[] {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xff, '"', '}', '\r', '\n'});
        bytes.writeBytes("{\"id\": \"c\"}\r\n".getBytes(StandardCharsets.UTF_8));
        Path file = Files.write(dir.resolve("mixed.jsonl"), bytes.toByteArray());
        List<String> errors = new ArrayList<>();
        List<Jsonl.Line> lines = Jsonl.read(file, e -> errors.add(e.getMessage()));
        assertEquals(List.of(1L, 3L), lines.stream().map(Jsonl.Line::number).toList());
        assertEquals("caf\u00e9 \uD83D\uDE00", lines.get(0).value().get("text").asText());
        assertEquals(1, errors.size(), errors.toString());
        assertEquals(true, errors.get(0).startsWith(file + ":2: invalid UTF-8"), errors.get(0));
    }
}
