package ekt.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.nio.file.Path;

/**
 * YAML configs through jackson-dataformat-yaml, an optional dependency of the pipeline (the CLI
 * brings it; a library user reading JSON configs or building them in code needs nothing).
 */
final class YamlConfigs {
    private static final String FACTORY = "com.fasterxml.jackson.dataformat.yaml.YAMLFactory";

    private YamlConfigs() {
    }

    /** A mapper reading YAML, or a clear error naming {@code file} where the YAML module is missing. */
    static ObjectMapper mapper(Path file) {
        try {
            Class.forName(FACTORY, false, YamlConfigs.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("cannot read " + file + ": YAML configs need com.fasterxml.jackson.dataformat:"
                    + "jackson-dataformat-yaml on the class path (ekt-cli brings it); or write the config as JSON");
        }
        return Yaml.mapper();
    }

    /** Its own class, so that YamlConfigs loads (and verifies) without the YAML module. */
    private static final class Yaml {
        static ObjectMapper mapper() {
            return new ObjectMapper(new YAMLFactory());
        }
    }
}
