package ekt.cli;

import ekt.pipeline.teacher.EngineTeacher;
import ekt.serve.CompletionServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code ekt serve --model DIR}: an OpenAI-compatible /v1/completions endpoint on a local checkpoint. */
@Command(name = "serve", description = "Serve a local checkpoint through an OpenAI-compatible POST /v1/completions endpoint.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "checkpoint directory with a tokenizer")
    Path model;
    @Option(names = "--host", defaultValue = "127.0.0.1")
    String host;
    @Option(names = "--port", defaultValue = "8000")
    int port;
    @Option(names = "--workers", description = "requests served at once (the engine batches within a request; default: ${DEFAULT-VALUE})")
    int threads = 1;  // no defaultValue: see Renamed

    @Option(names = "--threads", hidden = true)
    void oldThreads(int value) {
        Renamed.warn("--threads", "--workers");
        threads = value;
    }
    @picocli.CommandLine.Mixin
    DeviceOptions device = new DeviceOptions();

    @Override
    public Integer call() throws Exception {
        try (EngineTeacher teacher = EngineTeacher.open(model, device.placement());
             CompletionServer server = new CompletionServer(teacher, model.getFileName().toString(), host, port, threads)) {
            System.err.println("[ekt] serving " + model + " at http://" + host + ":" + server.port() + "/v1/completions (Ctrl-C stops)");
            new CountDownLatch(1).await();
        }
        return 0;
    }
}
