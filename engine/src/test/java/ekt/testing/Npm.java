package ekt.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * npm packages the tests compare against (reference tokenizers, the official openai client),
 * installed at pinned versions into a folder under the testing module's target/, once per clean build. node and
 * npm are looked up on PATH; tests that need them are skipped where they are missing.
 */
public final class Npm {
    private final Path prefix;
    private final Path node;

    private Npm(Path prefix, Path node) {
        this.prefix = prefix;
        this.node = node;
    }

    /** Installs {@code packages} ("name@version") into target/{@code folder} of the module under test unless there already. */
    public static Npm installed(String folder, List<String> packages, String purpose) throws IOException, InterruptedException {
        Path node = onPath("node");
        Path npm = onPath("npm");
        assumeTrue(node != null && npm != null, "node and npm are not on PATH: skipping " + purpose);
        Npm n = new Npm(Path.of("target").toAbsolutePath().resolve(folder), node);
        boolean present = packages.stream().allMatch(p -> Files.isRegularFile(n.modules().resolve(p.substring(0, p.lastIndexOf('@'))).resolve("package.json")));
        if (!present) {
            List<String> command = new ArrayList<>(List.of(npm.toString(), "install", "--no-save", "--no-audit", "--no-fund", "--prefix", n.prefix.toString()));
            command.addAll(packages);
            run(command, 300);
        }
        return n;
    }

    /** The repository root (tests run in their module's folder). */
    public static Path repo() {
        return Path.of(System.getProperty("ekt.repo.dir", "..")).toAbsolutePath().normalize();
    }

    public Path prefix() {
        return prefix;
    }

    public Path modules() {
        return prefix.resolve("node_modules");
    }

    public Path node() {
        return node;
    }

    /** Runs a command; its combined output, or an exception with it when it fails or times out. */
    public static String run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Path log = Files.createTempFile("npm-reference", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!finished) process.destroyForcibly();
        String output = Files.readString(log);
        Files.delete(log);
        if (!finished || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + (finished ? " failed:\n" : " timed out:\n") + output);
        }
        return output;
    }

    /** The executable {@code program} in a PATH folder, or null. */
    public static Path onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) return candidate;
        }
        return null;
    }
}
