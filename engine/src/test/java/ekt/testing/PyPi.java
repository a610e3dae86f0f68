package ekt.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Python packages from PyPI that the tests compare against (Hugging Face transformers), at pinned
 * versions, for Debian's python3: pip downloads the wheels for CPython 3.11 on manylinux x86-64
 * (nothing is installed into any interpreter) and they are unpacked into a folder under the
 * module's target, once per clean build, to be put on PYTHONPATH. Tests that need them are skipped
 * where no pip is found.
 */
public final class PyPi {
    private PyPi() {
    }

    /** Unpacks the wheels of {@code packages} ("name==version") into target/{@code folder} of the module under test unless there already. */
    public static Path installed(String folder, List<String> packages, String purpose) throws IOException, InterruptedException {
        Path site = Path.of("target").toAbsolutePath().resolve(folder);
        Path done = site.resolve(".installed");
        String wanted = String.join("\n", packages);
        if (Files.isRegularFile(done) && Files.readString(done).equals(wanted)) return site;
        List<String> pip = pip();
        assumeTrue(pip != null, "no pip on PATH (pip3, pip or python3 -m pip): skipping " + purpose);
        Path wheels = Files.createTempDirectory("ekt-wheels");
        List<String> command = new ArrayList<>(pip);
        command.addAll(List.of("download", "--no-deps", "--only-binary=:all:", "--python-version", "3.11",
                "--implementation", "cp", "--platform", "manylinux2014_x86_64", "--platform", "manylinux_2_28_x86_64",
                "--disable-pip-version-check", "-q", "-d", wheels.toString()));
        command.addAll(packages);
        Npm.run(command, 600);
        try (var list = Files.list(wheels)) {
            for (Path wheel : list.toList()) unzip(wheel, site);
        }
        Files.writeString(done, wanted);
        return site;
    }

    private static void unzip(Path wheel, Path into) throws IOException {
        try (ZipFile zip = new ZipFile(wheel.toFile())) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                Path target = into.resolve(e.getName()).normalize();
                if (!target.startsWith(into)) throw new IOException(wheel + ": entry " + e.getName() + " escapes the folder");
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                    continue;
                }
                Files.createDirectories(target.getParent());
                try (InputStream in = zip.getInputStream(e)) {
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
                if (target.toString().endsWith(".so")) target.toFile().setExecutable(true);
            }
        }
    }

    private static List<String> pip() {
        for (String name : new String[]{"pip3", "pip"}) {
            Path pip = Npm.onPath(name);
            if (pip != null) return List.of(pip.toString());
        }
        return null;
    }
}
