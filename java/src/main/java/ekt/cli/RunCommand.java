package ekt.cli;

import ekt.core.ProcessGroup;
import ekt.pipeline.Experiment;
import ekt.pipeline.RunConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ekt run --config FILE --out DIR}: a whole EKT experiment; re-running resumes it. */
@Command(name = "run", description = "Run (or resume) an EKT experiment from a YAML/JSON config: teacher sampling, execution, "
        + "selection, the configured methods' training and evaluation, and the report.")
final class RunCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "experiment config (see examples/)")
    Path config;
    @Option(names = "--out", required = true, description = "run directory; re-running the same command continues where it stopped")
    Path out;
    @Option(names = "--until", description = "stop after this teacher stage: ${COMPLETION-CANDIDATES} (default: every stage and the report)")
    Experiment.TeacherStage until;

    @Override
    public Integer call() {
        RunConfig c = RunConfig.load(config);
        Path dir = config.toAbsolutePath().getParent();
        // Under torchrun or srun this process is one rank of a sharded run (nothing new otherwise).
        try (ProcessGroup group = ProcessGroup.fromEnvironment()) {
            System.out.println(new Experiment(c, dir, out).execute(until));
            if (until == null && group.isLeader()) System.err.println("[ekt] report: " + out.resolve("report.md"));
        }
        return 0;
    }
}
