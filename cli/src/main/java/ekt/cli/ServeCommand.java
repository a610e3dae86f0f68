package ekt.cli;

import ekt.core.Model;
import ekt.core.Placement;
import ekt.serve.OpenAiServer;
import ekt.serve.ServeSettings;
import ekt.serve.http.HttpLimits;
import ekt.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code ekt serve --model DIR}: an OpenAI-compatible server (completions, chat, models, health, metrics) on a local checkpoint. */
@Command(name = "serve", description = {
        "Serve a local checkpoint through an OpenAI-compatible API: POST /v1/completions, POST /v1/chat/completions (when the",
        "checkpoint's tokenizer_config.json has a chat_template), GET /v1/models, /health, /metrics. Concurrent requests decode",
        "together in one continuously batched engine. Ctrl-C (SIGTERM) stops taking requests and finishes the ones in progress."})
final class ServeCommand implements Callable<Integer> {
    /** The server's defaults, written once in {@link ServeSettings#defaults}; the options below start from them. */
    static final ServeSettings DEFAULTS = ServeSettings.defaults(null);

    @Option(names = "--model", required = true, description = "checkpoint directory with a tokenizer")
    Path model;
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on (default: ${DEFAULT-VALUE}, this machine only)")
    String host;
    @Option(names = "--port", defaultValue = "8000", description = "port (default: ${DEFAULT-VALUE}; 0 picks a free one)")
    int port;
    @Option(names = "--api-key", description = "require 'Authorization: Bearer KEY' on /v1 (default: EKT_API_KEY if set)")
    String apiKey = System.getenv("EKT_API_KEY");
    @Option(names = "--served-model-name", description = "the model name clients use (default: the directory's name)")
    String servedModelName;
    @Option(names = "--max-batch", description = "samples decoded together (default: ${DEFAULT-VALUE})")
    int maxBatch = DEFAULTS.maxBatch();
    @Option(names = "--max-requests", description = "requests queued or decoding at once; more get 429 (default: ${DEFAULT-VALUE})")
    int maxRequests = DEFAULTS.maxRequests();
    @Option(names = "--max-tokens", description = "largest max_tokens (default: ${DEFAULT-VALUE}, at most the context)")
    int maxTokens = DEFAULTS.maxTokens();
    @Option(names = "--max-n", description = "largest n / best_of (default: ${DEFAULT-VALUE})")
    int maxN = DEFAULTS.maxN();
    @Option(names = "--max-total-tokens", description = "largest n × max_tokens per prompt (default: ${DEFAULT-VALUE})")
    long maxTotalTokens = DEFAULTS.maxTotalTokens();
    @Option(names = "--max-body-mb", description = "largest request body in MiB; larger get 413 (default: ${DEFAULT-VALUE})")
    long maxBodyMb = DEFAULTS.http().maxBodyBytes() >> 20;
    @picocli.CommandLine.Mixin
    DeviceOptions device = new DeviceOptions();

    @Option(names = {"--threads", "--workers"}, hidden = true)
    void oldThreads(int value) {
        Renamed.obsolete("--threads", "concurrent requests now decode together in one batch (see --max-requests)");
    }

    @Option(names = "--memory-budget-mb", description = "engine caches and activations; 0 = min(8 GiB, RAM/4) on the CPU, 90%% of free GPU memory on CUDA (default: ${DEFAULT-VALUE})")
    long memoryBudgetMb = DEFAULTS.memoryBudgetMb();

    @Override
    public Integer call() throws Exception {
        String name = servedModelName != null ? servedModelName : model.toAbsolutePath().normalize().getFileName().toString();
        HttpLimits d = HttpLimits.defaults();
        ServeSettings settings = new ServeSettings(name, apiKey == null || apiKey.isBlank() ? null : apiKey, maxN, maxTokens, maxTotalTokens,
                DEFAULTS.maxLogprobs(), maxRequests, maxBatch, memoryBudgetMb,
                new HttpLimits(d.maxHeaderBytes(), maxBodyMb << 20, d.headerTimeout(), d.bodyTimeout(), d.idleTimeout(), d.maxConnections()));
        Placement placement = device.placement();  // a missing GPU fails before any file is read
        Tokenizer tokenizer = Tokenizer.load(model);
        try (Model m = loadModel(model, placement)) {
            OpenAiServer server = new OpenAiServer(m, tokenizer, model, settings, host, port, line -> System.err.println("[ekt] " + line));
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                System.err.println("[ekt] shutting down: finishing requests in progress");
                server.close(Duration.ofSeconds(60));
                stopped.countDown();
            }));
            System.err.println("[ekt] serving " + model + " as '" + name + "' at http://" + host + ":" + server.port() + "/v1 (Ctrl-C stops)");
            stopped.await();
        }
        return 0;
    }

    /** The one place the server loads its model. */
    private static Model loadModel(Path dir, Placement placement) {
        return Model.load(dir, placement);
    }
}
