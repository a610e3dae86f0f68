package ekt.consumer;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import ekt.testing.Reference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The artifacts as a library user gets them: this build's engine and pipeline jars installed
 * into a fresh local Maven repository, two separate Maven projects (src/test/consumers) built
 * against them offline, and each run with plain {@code java -cp}: no picocli, no YAML.
 */
class ConsumerIT {
    /** Local repositories whose links to the build's repository are removed after each test (never followed). */
    private final List<Path> links = new ArrayList<>();

    @AfterEach
    void unlink() throws IOException {
        for (Path local : links)
            try (Stream<Path> files = Files.walk(local)) {  // walk does not follow links
                for (Path f : files.filter(Files::isSymbolicLink).toList()) Files.delete(f);
            }
    }

    private static final Path REPO = Path.of(System.getProperty("ekt.repo.dir", "..")).toAbsolutePath().normalize();
    private static final String VERSION = System.getProperty("ekt.version");
    private static final String PLATFORM = System.getProperty("ekt.platform");

    @Test
    void anEngineUserLoadsSamplesAndFineTunes(@TempDir Path dir) throws Exception {
        Path classPath = build("engine-user", installed(dir), dir);
        Path checkpoint = Reference.make(dir.resolve("checkpoint"), "gpt2");
        Path out = dir.resolve("fine-tuned");
        List<String> lines = run(classPath, "EngineUser", checkpoint.toString(), out.toString());

        assertTrue(lines.contains("picocli on the class path: false"), lines.toString());
        assertTrue(lines.contains("YAML on the class path: false"), lines.toString());
        List<String> samples = lines.stream().filter(l -> l.startsWith("sample ")).toList();
        assertEquals(6, samples.size(), "3 samples of each of 2 prompts: " + lines);
        for (String s : samples) {
            int[] tokens = Arrays.stream(s.substring(s.indexOf('[') + 1, s.indexOf(']')).split(", ")).mapToInt(Integer::parseInt).toArray();
            assertTrue(tokens.length >= 1 && tokens.length <= 5, s);
            for (int t : tokens) assertTrue(t >= 0 && t < 97, "token inside the checkpoint's vocabulary of 97: " + s);
        }
        // 8 examples, an effective batch of 2 x 2, one epoch: 2 optimizer steps
        List<String> steps = lines.stream().filter(l -> l.startsWith("step ")).toList();
        assertEquals(List.of("step 1", "step 2"), steps.stream().map(l -> l.substring(0, l.indexOf(" loss"))).toList());
        for (String s : steps) assertTrue(Double.isFinite(Double.parseDouble(s.substring(s.indexOf("loss ") + 5))), s);
        Path last = out.resolve("step-2");
        assertTrue(lines.contains("checkpoint " + last), lines.toString());
        assertTrue(Reference.maxTensorDiff(checkpoint, last) > 0, "fine-tuning changed the weights (read back by the reference)");
    }

    @Test
    void aPipelineUserRunsATinyExperiment(@TempDir Path dir) throws Exception {
        Path classPath = build("pipeline-user", installed(dir), dir);
        Path work = Files.createDirectories(dir.resolve("work"));
        List<String> lines = run(classPath, "PipelineUser", work.toString());

        assertTrue(lines.contains("picocli on the class path: false"), lines.toString());
        assertTrue(lines.contains("YAML on the class path: false"), lines.toString());
        String report = Files.readString(work.resolve("run/report.md"));
        assertTrue(String.join("\n", lines).contains(report.strip()), "the program printed the run's report");
        assertTrue(report.contains("EKT"), report);
        JsonNode stages = Json.MAPPER.readTree(work.resolve("run/manifest.json").toFile()).path("stages");
        for (String stage : List.of("teacher-samples", "ekt-train"))
            assertEquals("done", stages.path(stage).path("status").asText(), stage + " in " + stages);
    }

    /**
     * A fresh local repository holding this build's ekt artifacts in Maven's layout (what
     * {@code mvn install} writes) and, through links, the build's own third-party artifacts and
     * plugins, so the consumer builds run offline and can only see ekt as built here.
     */
    private Path installed(Path dir) throws IOException {
        Path jars = REPO.resolve("engine/target/ekt-engine.jar");
        assumeTrue(Files.isRegularFile(jars) && Files.isRegularFile(REPO.resolve("pipeline/target/ekt-pipeline.jar")),
                "the engine and pipeline jars are not packaged (run mvn verify): skipping the consumer test");
        Path local = Files.createDirectories(dir.resolve("m2"));
        links.add(local);
        Path shared = Path.of(System.getProperty("ekt.maven.repo"));
        try (Stream<Path> top = Files.list(shared)) {
            for (Path p : top.toList()) {
                if (p.getFileName().toString().equals("dev")) {
                    try (Stream<Path> groups = Files.list(p)) {
                        for (Path g : groups.filter(g -> !g.getFileName().toString().equals("ekt")).toList())
                            Files.createSymbolicLink(Files.createDirectories(local.resolve("dev")).resolve(g.getFileName()), g);
                    }
                } else {
                    Files.createSymbolicLink(local.resolve(p.getFileName()), p);
                }
            }
        }
        install(local, "ekt-parent", REPO.resolve("pom.xml"), null, null);
        install(local, "ekt-engine", REPO.resolve("engine/pom.xml"), jars, REPO.resolve("engine/target/ekt-engine-" + PLATFORM + ".jar"));
        install(local, "ekt-pipeline", REPO.resolve("pipeline/pom.xml"), REPO.resolve("pipeline/target/ekt-pipeline.jar"), null);
        return local;
    }

    private static void install(Path local, String artifact, Path pom, Path jar, Path nativeJar) throws IOException {
        Path d = Files.createDirectories(local.resolve("dev/ekt").resolve(artifact).resolve(VERSION));
        String base = artifact + "-" + VERSION;
        Files.copy(pom, d.resolve(base + ".pom"));
        if (jar != null) Files.copy(jar, d.resolve(base + ".jar"));
        if (nativeJar != null) Files.copy(nativeJar, d.resolve(base + "-" + PLATFORM + ".jar"));
    }

    /** Builds the consumer project offline against {@code local}; its run-time class path. */
    private static Path build(String project, Path local, Path dir) throws Exception {
        Path src = REPO.resolve("cli/src/test/consumers").resolve(project), p = dir.resolve(project);
        try (Stream<Path> files = Files.walk(src)) {
            for (Path f : files.toList()) {
                Path t = p.resolve(src.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(t);
                else Files.copy(f, t);
            }
        }
        Path pom = p.resolve("pom.xml");
        Files.writeString(pom, Files.readString(pom).replace("@EKT_VERSION@", VERSION).replace("@EKT_PLATFORM@", PLATFORM));
        Path cpFile = p.resolve("classpath.txt");
        exec(p, List.of("mvn", "-B", "-q", "-o", "-Dmaven.repo.local=" + local, "compile", "dependency:build-classpath",
                "-Dmdep.includeScope=runtime", "-Dmdep.outputFile=" + cpFile));
        List<String> entries = List.of(Files.readString(cpFile).strip().split(":"));
        for (String e : entries) {
            String name = Path.of(e).getFileName().toString();
            assertFalse(name.contains("picocli") || name.contains("yaml") || name.contains("jinjava") || name.contains("ekt-cli"),
                    project + " needs no CLI dependencies, but its class path has " + e);
        }
        assertTrue(entries.contains(local.resolve("dev/ekt/ekt-engine/" + VERSION + "/ekt-engine-" + VERSION + "-" + PLATFORM + ".jar").toString()),
                "the native jar comes with the engine: " + entries);
        Path cp = p.resolve("run-classpath.txt");
        Files.writeString(cp, p.resolve("target/classes") + ":" + String.join(":", entries));
        return cp;
    }

    private static List<String> run(Path classPath, String main, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", Files.readString(classPath), main));
        cmd.addAll(List.of(args));
        return exec(classPath.getParent(), cmd);
    }

    /** Runs {@code cmd} in {@code dir}; its standard output lines; fails with its output unless it exits 0 in time. */
    private static List<String> exec(Path dir, List<String> cmd) throws Exception {
        Path log = Files.createTempFile(dir, "out", ".txt");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean done = p.waitFor(10, TimeUnit.MINUTES);
        if (!done) p.destroyForcibly();
        String out;
        try {
            out = Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertTrue(done && p.exitValue() == 0, String.join(" ", cmd) + " failed:\n" + out);
        return out.lines().toList();
    }
}
