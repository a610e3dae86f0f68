package ekt.exec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The pool's private temporary directory: the worker scripts (extracted from the classpath) and
 * one directory per worker process, in which its supervisor creates the children's private
 * working directories. Supervisors clean up after themselves; {@link #close()} removes whatever a
 * killed one left behind.
 */
final class SandboxFiles implements AutoCloseable {
    static final String[] SCRIPTS = {"worker.py", "child.py", "confine.py"};

    private final Path root;
    private final Path worker;

    private SandboxFiles(Path root) {
        this.root = root;
        this.worker = root.resolve("py").resolve("worker.py");
    }

    static SandboxFiles create() {
        try {
            // 0711: children run as another user (nobody) and must reach their own directories.
            Path root = Files.createTempDirectory("ekt-exec-");
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
            Path py = Files.createDirectory(root.resolve("py"));
            for (String name : SCRIPTS) {
                try (InputStream in = SandboxFiles.class.getResourceAsStream(name)) {
                    if (in == null) throw new ExecException("resource ekt/exec/" + name + " missing from the classpath");
                    Files.copy(in, py.resolve(name));
                }
            }
            return new SandboxFiles(root);
        } catch (IOException e) {
            throw new ExecException("cannot create the sandbox directory: " + e.getMessage(), e);
        }
    }

    Path workerScript() {
        return worker;
    }

    /** A fresh path for the n-th worker process; its supervisor creates the directory. */
    Path workerDirectory(String name) {
        return root.resolve(name);
    }

    Path logFile(String name) {
        return root.resolve(name + ".log");
    }

    @Override
    public void close() {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    // A program may have chmod-ed its directories to 000; symlinks are never followed.
                    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    if (e != null) throw e;
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the sandbox directory " + root, e);
        }
    }
}
