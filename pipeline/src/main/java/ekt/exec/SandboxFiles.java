package ekt.exec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pool's private temporary directory: the worker scripts (extracted from the classpath) and
 * one directory per worker process, on which its supervisor mounts its private scratch file
 * system. Supervisors clean up after themselves; {@link #close()} removes whatever a killed one
 * left behind, and {@link #create()} first removes the directories of runs that died without
 * closing (SIGKILL): the owner holds a lock on {@value #LOCK} for as long as it lives.
 */
final class SandboxFiles implements AutoCloseable {
    static final String[] SCRIPTS = {"worker.py", "child.py", "confine.py"};
    static final String PREFIX = "ekt-exec-";
    static final String LOCK = "owner.lock";
    /** A directory without a lock file is younger than this only while its owner is starting up. */
    private static final Duration LOCKLESS_GRACE = Duration.ofMinutes(1);
    /** Roots owned by this JVM: never probed, since closing any channel on a lock file drops this JVM's lock on it. */
    private static final Set<Path> OWNED = ConcurrentHashMap.newKeySet();

    private final Path root;
    private final Path worker;
    private final FileChannel lock;

    private SandboxFiles(Path root, FileChannel lock) {
        this.root = root;
        this.worker = root.resolve("py").resolve("worker.py");
        this.lock = lock;
    }

    static SandboxFiles create() {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        removeStale(tmp);
        try {
            // 0711: children run as another user (nobody) and must reach their own directories.
            Path root = Files.createTempDirectory(tmp, PREFIX);
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
            OWNED.add(root);
            FileChannel lock = FileChannel.open(root.resolve(LOCK), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            lock.lock();
            Path py = Files.createDirectory(root.resolve("py"));
            for (String name : SCRIPTS) {
                try (InputStream in = SandboxFiles.class.getResourceAsStream(name)) {
                    if (in == null) throw new ExecException("resource ekt/exec/" + name + " missing from the classpath");
                    Files.copy(in, py.resolve(name));
                }
            }
            return new SandboxFiles(root, lock);
        } catch (IOException e) {
            throw new ExecException("cannot create the sandbox directory in " + tmp + ": " + e, e);
        }
    }

    /** Removes the directories of pools whose process has died; leaves live ones alone. */
    static void removeStale(Path tmp) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tmp, PREFIX + "*")) {
            for (Path dir : dirs) {
                if (Files.isDirectory(dir) && !Files.isSymbolicLink(dir) && isStale(dir)) deleteTree(dir);
            }
        } catch (IOException | UncheckedIOException e) {
            // Someone else's directory we cannot read or remove: not ours to settle.
        }
    }

    private static boolean isStale(Path dir) throws IOException {
        if (OWNED.contains(dir)) return false;
        Path lockFile = dir.resolve(LOCK);
        if (!Files.exists(lockFile)) {
            // Written by a version without lock files, or an owner between mkdir and lock: stale
            // once old enough and no worker of it runs (workers have the path on their command line).
            Instant modified = Files.getLastModifiedTime(dir).toInstant();
            return modified.isBefore(Instant.now().minus(LOCKLESS_GRACE))
                    && ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine().orElse("").contains(dir.toString()));
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
             FileLock held = channel.tryLock()) {
            return held != null;   // we got it: its owner is gone
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
            deleteTree(root);
            lock.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the sandbox directory " + root + ": " + e, e);
        } finally {
            OWNED.remove(root);
        }
    }

    private static void deleteTree(Path top) throws IOException {
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
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
    }
}
