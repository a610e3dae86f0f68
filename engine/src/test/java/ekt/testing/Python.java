package ekt.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the independent Python references under {@code engine/src/test/python}. */
public final class Python {
    private Python() {
    }

    /** Debian's interpreter (numpy from python3-numpy) unless -Dekt.python says otherwise. */
    public static String interpreter() {
        String p = System.getProperty("ekt.python");
        if (p != null) return p;
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    public static Path script(String name) {
        return Path.of(System.getProperty("ekt.repo.dir", ".."), "engine/src/test/python", name).toAbsolutePath();
    }

    /** Runs {@code script args...}; returns stdout, throws with stderr on failure. */
    public static String run(String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of(interpreter(), script(script).toString()));
        cmd.addAll(List.of(args));
        try {
            Path err = Files.createTempFile("ekt-python", ".err");
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + cmd);
            }
            String stderr = Files.readString(err);
            Files.deleteIfExists(err);
            if (p.exitValue() != 0) throw new IllegalStateException(cmd + " failed:\n" + stderr);
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
