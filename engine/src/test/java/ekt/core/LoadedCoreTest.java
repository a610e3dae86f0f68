package ekt.core;

import ekt.records.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which native core and libtorch this JVM loaded, read from the kernel's map of the process
 * ({@code /proc/self/maps}), not from what the Java side believes it asked for. Two libtorch builds
 * in one process crash, and JavaCPP's Loader quietly falls back to the next copy of a library it
 * finds when one fails to load: engine/pom.xml's torch2-parity run names the directory its core
 * must come from ({@code -Dekt.core.expect.dir}), so that run cannot pass on Debian's 1.13 core.
 */
class LoadedCoreTest {
    /** The libraries that must be mapped from one file each, whatever their version suffix. */
    static final String[] SINGLE = {"libektcore", "libtorch", "libtorch_cpu", "libc10"};

    @Test
    void theProcessMapsOneCoreAndOneLibtorch() throws IOException {
        Native.runtimeInfo();  // loads the core
        Map<String, Set<String>> mapped = mappedLibraries();
        for (String library : SINGLE) {
            assertEquals(1, mapped.getOrDefault(library, Set.of()).size(),
                    library + " must be mapped from exactly one file, mapped: " + mapped.get(library));
        }
    }

    @Test
    @EnabledIfSystemProperty(named = "ekt.core.expect.dir", matches = ".+")
    void theCoreIsTheExpectedBuildOnLibtorch2() throws IOException {
        String torch = Json.MAPPER.readTree(Native.runtimeInfo()).get("torch_version").asText();
        Path core = Path.of(System.getProperty("ekt.core.expect.dir"), "libektcore.so").toRealPath();
        assertEquals(Set.of(core.toString()), mappedLibraries().get("libektcore"), "the core must be loaded from " + core);
        // the CUDA build's pin (scripts/cuda-build.sh) is a 2.x libtorch, Debian's is 1.13
        assertTrue(torch.startsWith("2."), "the core reports libtorch " + torch + ", expected 2.x");
    }

    /** Mapped shared libraries: name up to ".so" (libtorch_cpu for libtorch_cpu.so.1.13) to the files. */
    static Map<String, Set<String>> mappedLibraries() throws IOException {
        Map<String, Set<String>> libraries = new TreeMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            // address perms offset dev inode [path]; a path may contain spaces
            String[] fields = line.trim().split("\\s+", 6);
            if (fields.length < 6 || !fields[5].startsWith("/")) continue;
            String name = Path.of(fields[5]).getFileName().toString();
            int so = name.indexOf(".so");
            if (so < 0) continue;
            libraries.computeIfAbsent(name.substring(0, so), k -> new TreeSet<>()).add(fields[5]);
        }
        return libraries;
    }
}
