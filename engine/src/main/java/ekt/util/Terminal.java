package ekt.util;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether the process's standard streams are terminals. {@code System.console()} only says that
 * stdin and stdout are, so {@code 2> log} in an interactive shell would still get redraws; this
 * looks at what file descriptor 1 or 2 actually points to (Linux {@code /proc/self/fd}).
 * {@code -Dekt.terminal=true|false} overrides the answer for both streams.
 */
public final class Terminal {
    private Terminal() {
    }

    /** @return whether stderr (file descriptor 2) is a terminal */
    public static boolean stderr() {
        return isTerminal(2);
    }

    /** @return whether stdout (file descriptor 1) is a terminal */
    public static boolean stdout() {
        return isTerminal(1);
    }

    /** Colours only when both streams are terminals and {@code NO_COLOR} (no-color.org) is not set. */
    public static boolean colours() {
        String noColor = System.getenv("NO_COLOR");
        return (noColor == null || noColor.isEmpty()) && !"dumb".equals(System.getenv("TERM")) && stdout() && stderr();
    }

    private static boolean isTerminal(int fd) {
        String forced = System.getProperty("ekt.terminal");
        if (forced != null) return Boolean.parseBoolean(forced);
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (Exception e) {
            return false;  // no /proc (not Linux) or not a link: treat as a file, the safe choice
        }
    }
}
