package ekt.util;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The build's version, from {@code ekt/version.properties} (written by Maven from the pom's version). */
public final class Version {
    private static final String VERSION = load();

    private Version() {
    }

    /** @return the version of this build, e.g. {@code 0.1.0-SNAPSHOT} */
    public static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("/ekt/version.properties")) {
            if (in == null) throw new IllegalStateException("ekt/version.properties is missing from the classpath (a broken build)");
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read ekt/version.properties", e);
        }
    }
}
