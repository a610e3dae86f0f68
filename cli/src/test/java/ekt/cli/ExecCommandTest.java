package ekt.cli;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import ekt.records.Jsonl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExecCommandTest {

    private static String runCli(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(args);
            return code + "\n" + err.toString(StandardCharsets.UTF_8);
        } finally {
            System.setErr(saved);
        }
    }

    private static Map<String, JsonNode> byId(Path out) {
        return Jsonl.readStrict(out).stream().map(Jsonl.Line::value)
                .collect(Collectors.toMap(v -> v.get("id").asText() + "/" + v.get("sample").asInt(), v -> v));
    }

    @Test
    void executesValidLinesAndNamesMalformedOnes(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("programs.jsonl");
        Path out = dir.resolve("results.jsonl");
        Files.write(in, List.of(
                "{\"id\": \"q1\", \"sample\": 0, \"program\": \"answer = 36 * 2.0\", \"answer\": \"Some text\\n#### 72\"}",
                "{\"id\": \"q1\", \"sample\": 1, \"text\": \"answer = 36 * 2\", \"answer\": 72}",
                "{\"id\": 7, \"program\": \"answer = -5.0\", \"answer\": \"-5\"}",
                "{\"id\": \"q2\", \"sample\": 0, \"program\": \"answer = 1 / 0\"}",
                "{not json",
                "{\"id\": \"q3\", \"sample\": 0}",
                "",
                "[1, 2]",
                "{\"id\": \"q4\", \"sample\": 0, \"program\": \"print('hi')\"}"));
        String log = runCli("exec", "--in", in.toString(), "--out", out.toString(), "--workers", "1", "--checker", "paper",
                "--timeout-ms", "500");
        assertTrue(log.startsWith("2\n"), log);
        assertTrue(log.contains(in + ":5: invalid JSON"), log);
        assertTrue(log.contains(in + ":6: missing field 'program' (or its alias 'text')"), log);
        assertTrue(log.contains(in + ":8: not a JSON object"), log);
        assertTrue(log.contains("3 malformed input lines skipped"), log);

        Map<String, JsonNode> results = byId(out);
        assertEquals(5, results.size());
        JsonNode f = results.get("q1/0");
        assertEquals("{\"id\":\"q1\",\"sample\":0,\"status\":\"ok\",\"value\":72.0,\"type\":\"float\",\"repr\":null,"
                + "\"correct\":true,\"error\":null}", Json.line(f));
        assertEquals("72", results.get("q1/1").get("value").toString());
        assertEquals(false, results.get("q1/1").get("correct").asBoolean(), "the paper's rule rejects ints");
        assertTrue(results.get("7/0").get("correct").asBoolean(), "negative labels");
        assertEquals("error", results.get("q2/0").get("status").asText());
        assertTrue(results.get("q2/0").get("correct").isNull());
        assertEquals("no_answer", results.get("q4/0").get("status").asText());
    }

    @Test
    void resumeSkipsFinishedProgramsAndRepairsATornLine(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("programs.jsonl");
        Path out = dir.resolve("results.jsonl");
        Files.write(in, List.of(
                "{\"id\": \"a\", \"program\": \"answer = 1\"}",
                "{\"id\": \"b\", \"program\": \"answer = 2\"}",
                "{\"id\": \"c\", \"program\": \"answer = 3\"}"));
        // A previous run finished "a" (with a marker value) and died while writing "b".
        Files.writeString(out, "{\"id\":\"a\",\"sample\":0,\"status\":\"ok\",\"value\":111}\n{\"id\":\"b\",\"sam");
        String log = runCli("exec", "--in", in.toString(), "--out", out.toString(), "--workers", "1", "--resume");
        assertTrue(log.startsWith("0\n"), log);
        Map<String, JsonNode> results = byId(out);
        assertEquals(111, results.get("a/0").get("value").asInt(), "finished programs are not run again");
        assertEquals(2, results.get("b/0").get("value").asInt());
        assertEquals(3, results.get("c/0").get("value").asInt());
    }

    @Test
    void neverDestroysItsInputOrEarlierResults(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("programs.jsonl");
        String programs = "{\"id\": \"a\", \"program\": \"answer = 1\"}\n";
        Files.writeString(in, programs);
        Path link = dir.resolve("hard-link.jsonl");
        Files.createLink(link, in);
        for (Path out : List.of(in, link)) {
            for (String flag : List.of("--overwrite", "--resume")) {
                String log = runCli("exec", "--in", in.toString(), "--out", out.toString(), "--workers", "1", flag);
                assertTrue(log.startsWith("1\n") && log.contains("refusing to write over an input"), log);
            }
            String log = runCli("exec", "--in", in.toString(), "--out", out.toString(), "--workers", "1");
            assertTrue(log.startsWith("1\n") && log.contains("refusing to write over an input"), log);
            assertEquals(programs, Files.readString(in));
        }
        Path out = dir.resolve("results.jsonl");
        Files.writeString(out, "earlier results\n");
        String log = runCli("exec", "--in", in.toString(), "--out", out.toString(), "--workers", "1");
        assertTrue(log.startsWith("1\n") && log.contains("already exists (16 bytes): pass --resume to continue it or --overwrite to replace it"), log);
        assertEquals("earlier results\n", Files.readString(out));
        log = runCli("exec", "--in", in.toString(), "--out", out.toString(), "--resume", "--overwrite");
        assertTrue(log.startsWith("1\n") && log.contains("--resume and --overwrite exclude each other"), log);
        assertEquals("earlier results\n", Files.readString(out));
        log = runCli("exec", "--in", in.toString(), "--out", out.toString(), "--workers", "1", "--overwrite");
        assertTrue(log.startsWith("0\n"), log);
        assertEquals(1, byId(out).get("a/0").get("value").asInt());
    }

    @Test
    void aFullDiskIsNamedAsSuch(@TempDir Path dir) throws IOException {
        Path full = Path.of("/dev/full");   // every write fails with ENOSPC
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(full), "needs /dev/full");
        Path in = Files.writeString(dir.resolve("programs.jsonl"), "{\"id\": \"a\", \"program\": \"answer = 1\"}\n");
        String log = runCli("exec", "--in", in.toString(), "--out", full.toString(), "--workers", "1");
        assertTrue(log.startsWith("1\n") && log.contains("cannot write /dev/full: No space left on device"), log);
    }
}
