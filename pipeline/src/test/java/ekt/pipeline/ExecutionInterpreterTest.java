package ekt.pipeline;

import ekt.tokenizer.BpeTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code execution.python} names the interpreter the sandbox runs the programs with (a host whose
 * Python is not /usr/bin/python3); like the devices, it is not part of a run's identity.
 */
class ExecutionInterpreterTest {
    private static final String PROBLEM = "{\"question\": \"What is 6 * 7?\", \"answer\": \"6 * 7 = 42\\n#### 42\"}\n";

    @Test
    void theConfiguredInterpreterRunsTheProgramsAndMayChangeOnResume(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("train.jsonl"), PROBLEM);
        Files.writeString(dir.resolve("test.jsonl"), PROBLEM);
        Files.writeString(dir.resolve("samples.jsonl"), "{\"id\": \"train-0\", \"sample\": 0, \"text\": \"\\nanswer = 6.0 * 7\\n\"}\n");
        Files.createDirectories(dir.resolve("student"));
        BpeTrainer.train(List.of("What is 6 * 7?\nanswer = 6.0 * 7\n"), 10).save(dir.resolve("student"));
        Files.writeString(dir.resolve("student").resolve("config.json"), "{}");  // only the tokenizer is read before training
        Path marker = dir.resolve("interpreters-started");
        wrapper(dir.resolve("python-a"), marker);
        wrapper(dir.resolve("python-b"), marker);
        Path out = dir.resolve("run");

        Experiment first = new Experiment(config(dir, "python-a"), dir, out);
        first.run(Experiment.TeacherStage.SELECT);
        assertEquals(1, first.directory().counts("select").get("solved").asInt(), "the program ran and its answer was checked");
        assertTrue(Files.readString(marker).contains("python-a"), "the sandbox started the configured interpreter");
        assertFalse(Files.readString(marker).contains("python-b"));

        // the same run directory on a host whose interpreter is elsewhere: resumed (not "a different config"),
        // with the interpreter configured now
        Experiment resumed = new Experiment(config(dir, "python-b"), dir, out);
        resumed.run(Experiment.TeacherStage.SELECT);
        assertEquals(1, resumed.directory().counts("select").get("solved").asInt());
        assertTrue(Files.readString(marker).contains("python-b"));

        // one that does not exist is named before anything runs
        String m = assertThrows(IllegalArgumentException.class, () -> new Experiment(config(dir, "no-python"), dir, out)).getMessage();
        assertTrue(m.contains("execution.python: no executable interpreter at " + dir.resolve("no-python")), m);
    }

    /** A shell script that notes its own path in the marker file, then runs the system's Python. */
    private static void wrapper(Path file, Path marker) throws IOException {
        Files.writeString(file, "#!/bin/sh\necho \"$0\" >> '" + marker + "'\nexec /usr/bin/python3 \"$@\"\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static RunConfig config(Path dir, String python) throws IOException {
        Path file = dir.resolve("run.json");
        Files.writeString(file, "{\"data\": {\"train\": \"train.jsonl\", \"test\": \"test.jsonl\"}, "
                + "\"teacher\": {\"kind\": \"replay\", \"replay_file\": \"samples.jsonl\", \"n\": 1}, \"student\": {\"model\": \"student\"}, "
                + "\"execution\": {\"python\": \"" + python + "\", \"workers\": 1}, \"methods\": [\"ekt\"]}");
        return RunConfig.load(file);
    }
}
