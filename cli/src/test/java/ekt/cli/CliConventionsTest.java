package ekt.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Help, version, `ekt help`, completion, exit codes and renamed options, for every command of the tree. */
class CliConventionsTest {
    /** Every command path of the tree: [], [model], [model, info], ... */
    static List<List<String>> commandPaths() {
        List<List<String>> paths = new ArrayList<>();
        collect(Main.commandLine(), new ArrayList<>(), paths);
        return paths;
    }

    private static void collect(CommandLine cmd, List<String> path, List<List<String>> out) {
        out.add(List.copyOf(path));
        cmd.getSubcommands().forEach((name, sub) -> {
            if (!sub.getCommandSpec().name().equals(name)) return;  // aliases
            List<String> p = new ArrayList<>(path);
            p.add(name);
            collect(sub, p, out);
        });
    }

    /** The version the pom declares: what --version must print. */
    static String pomVersion() throws Exception {
        String pom = Files.readString(Path.of(System.getProperty("ekt.repo.dir", ".."), "pom.xml"));
        Matcher m = Pattern.compile("<artifactId>ekt-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        if (!m.find()) m = Pattern.compile("<version>([^<]+)</version>").matcher(pom);
        assertTrue(m.find(0), "pom.xml has a version");
        return m.group(1);
    }

    @Test
    void everyCommandAnswersHelpAndVersion() throws Exception {
        String version = pomVersion();
        List<List<String>> paths = commandPaths();
        assertTrue(paths.size() >= 14, "the tree: " + paths);
        for (List<String> path : paths) {
            for (String flag : List.of("--help", "-h", "--version", "-V")) {
                List<String> args = new ArrayList<>(path);
                args.add(flag);
                TrainCliTest.Result r = TrainCliTest.run(args.toArray(String[]::new));
                assertEquals(0, r.code(), args + ": " + r.err());
                assertTrue(r.err().isEmpty(), args + " writes nothing on stderr: " + r.err());
                if (flag.startsWith("--v") || flag.equals("-V")) assertTrue(r.out().startsWith("ekt " + version + "\n"), args + ": " + r.out());
                else assertTrue(r.out().contains("Usage: ekt" + (path.isEmpty() ? "" : " " + String.join(" ", path))), args + ": " + r.out());
                assertFalse(r.out().contains("\u001b"), args + ": no colours when stdout is not a terminal");
            }
            if (path.size() == 1 && !path.get(0).equals("help")) {
                TrainCliTest.Result help = TrainCliTest.run("help", path.get(0));
                assertEquals(0, help.code(), "ekt help " + path.get(0) + ": " + help.err());
                assertTrue(help.out().startsWith("Usage: ekt " + path.get(0)), help.out());
            }
        }
        for (String[] args : new String[][]{{"model", "help", "logits"}, {"help", "model", "logits"}}) {
            TrainCliTest.Result nested = TrainCliTest.run(args);
            assertEquals(0, nested.code(), nested.err());
            assertTrue(nested.out().startsWith("Usage: ekt model logits"), nested.out());
        }
        TrainCliTest.Result unknown = TrainCliTest.run("help", "nonsense");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("Unknown command: 'nonsense'"), unknown.err());
    }

    @Test
    void usageErrorsExitTwoWithoutEscapes() {
        TrainCliTest.Result unknown = TrainCliTest.run("model", "info", "--model", "m", "--no-such-option");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("Unknown option: '--no-such-option'"), unknown.err());
        assertFalse(unknown.err().contains("\u001b"), "no ANSI escapes in usage errors written to a file or pipe");
        TrainCliTest.Result missing = TrainCliTest.run("train");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("Missing required options"), missing.err());
        TrainCliTest.Result failed = TrainCliTest.run("tokenize", "--model", "/no/such/dir", "x");
        assertEquals(1, failed.code(), "a failure while running exits 1: " + failed.err());
    }

    @Test
    void completionScriptCoversTheWholeTree() {
        TrainCliTest.Result r = TrainCliTest.run("completion");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("complete -F _complete_ekt"), "a bash completion function for ekt");
        for (List<String> path : commandPaths())
            if (!path.isEmpty()) assertTrue(r.out().contains(path.get(path.size() - 1)), "completes " + path);
        for (String option : List.of("--max-new-tokens", "--micro-batch", "--worker-batch", "--seeds")) assertTrue(r.out().contains(option), option);
    }

    @Test
    void oldSpellingsStillWorkWithAWarning() {
        CommandLine cli = Main.commandLine();
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            CommandLine.ParseResult train = cli.parseArgs("train", "--model", "m", "--data", "d", "--out", "o", "--batch", "3");
            assertEquals(3, ((TrainCommand) train.subcommand().commandSpec().userObject()).batch);
            CommandLine.ParseResult exec = Main.commandLine().parseArgs("exec", "--in", "i", "--out", "o", "--batch-size", "5");
            assertEquals(5, ((ExecCommand) exec.subcommand().commandSpec().userObject()).batchSize);
            Main.commandLine().parseArgs("serve", "--model", "m", "--threads", "4");
            CommandLine.ParseResult sample = Main.commandLine().parseArgs("sample", "--model", "m", "--prompts", "p", "--out", "o", "--batch", "8");
            assertEquals(8, ((SampleCommand) sample.subcommand().commandSpec().userObject()).batch);
        } finally {
            System.setErr(oldErr);
        }
        String warnings = err.toString(StandardCharsets.UTF_8);
        for (String w : List.of("--batch is deprecated and will be removed in the next release; use --micro-batch",
                "--batch-size is deprecated and will be removed in the next release; use --worker-batch",
                "--threads is deprecated, ignored and will be removed in the next release: concurrent requests now decode together",
                "--batch is deprecated and will be removed in the next release; use --max-batch"))
            assertTrue(warnings.contains(w), warnings);
        TrainCliTest.Result help = TrainCliTest.run("train", "--help");
        assertFalse(help.out().contains("--batch="), "old spellings are hidden from --help");
    }
}
