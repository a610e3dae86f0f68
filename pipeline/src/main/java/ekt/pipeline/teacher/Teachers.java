package ekt.pipeline.teacher;

import ekt.core.Placement;
import ekt.pipeline.RunConfig;
import ekt.sample.Completer;
import ekt.sample.EngineCompleter;

import java.net.URI;
import java.nio.file.Path;

/** Opens the configured teacher as a {@link Completer}: a local checkpoint, an HTTP server or a replay file. */
public final class Teachers {
    private Teachers() {
    }

    /**
     * @param configDir relative paths in the config are resolved against it
     * @param placement where an engine teacher runs
     */
    public static Completer open(RunConfig.TeacherConfig t, Path configDir, Placement placement) {
        return switch (t.kind()) {
            case "engine" -> EngineCompleter.open(configDir.resolve(required(t.model(), "model")).normalize(), placement);
            case "http" -> {
                HttpCompleter.Options d = HttpCompleter.Options.defaults(required(t.apiModel(), "api_model"));
                yield new HttpCompleter(URI.create(required(t.url(), "url")), new HttpCompleter.Options(d.model(), d.apiKey(), t.concurrency(),
                        t.requestsPerMinute(), d.maxRetries(), d.timeout(), d.initialBackoff(), false));  // top_k is not part of the OpenAI API
            }
            case "replay" -> {
                Path file = configDir.resolve(required(t.replayFile(), "replay_file")).normalize();
                yield new ReplayCompleter(file, "train-", e -> System.err.println("[ekt] skipped: " + e.getMessage()));
            }
            default -> throw new IllegalArgumentException("teacher kind must be engine, http or replay, not '" + t.kind() + "'");
        };
    }

    private static String required(String value, String field) {
        if (value == null || value.isBlank()) throw new IllegalArgumentException("teacher needs '" + field + "'");
        return value;
    }
}
