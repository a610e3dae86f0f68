package ekt.cli;

import ekt.eval.MethodResult;
import ekt.eval.SeedSummary;
import ekt.pipeline.ConfigCheck;
import ekt.core.ProcessGroup;
import ekt.pipeline.Experiment;
import ekt.pipeline.RunConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ekt run --config FILE --out DIR}: a whole EKT experiment; re-running resumes it. Progress
 * and logs go to stderr; stdout gets the paths of the finished report (report.md, then report.html).
 */
@Command(name = "run", description = "Run (or resume) an EKT experiment from a YAML/JSON config: teacher sampling, execution, "
        + "selection, the configured methods' training and evaluation, and the report (paths printed on stdout).")
final class RunCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "experiment config (see examples/)")
    Path config;
    @Option(names = "--out", required = true, description = "run directory; re-running the same command continues where it stopped")
    Path out;
    @Option(names = "--until", description = "stop after this teacher stage: ${COMPLETION-CANDIDATES} (default: every stage and the report)")
    Experiment.TeacherStage until;
    @picocli.CommandLine.Mixin
    DeviceOptions device = new DeviceOptions();
    @Option(names = "--seeds", split = ",", paramLabel = "SEED",
            description = "run once per seed (teacher, student and evaluation seeds) into OUT/seed-N and summarise them in OUT/report.md: "
                    + "mean and 95%% interval across seeds")
    List<Long> seeds;

    @Override
    public Integer call() {
        RunConfig c = RunConfig.load(config);
        c = c.withDevices(c.devices().override(device.device, device.dtype));  // checked by Experiment before any work
        Path dir = config.toAbsolutePath().getParent();
        ConfigCheck.require(c, dir, config.toString());  // every missing file named before any stage runs
        // Under torchrun or srun this process is one rank of a sharded run (nothing new otherwise).
        try (ProcessGroup group = ProcessGroup.fromEnvironment()) {
            if (seeds == null || seeds.isEmpty()) {
                String status = new Experiment(c, dir, out).run(until);
                if (until != null || !group.isLeader()) System.err.println("[ekt] " + status);  // rank 0 writes the report
                else printReportPaths(out);
                return 0;
            }
            Map<Long, List<MethodResult>> bySeed = new LinkedHashMap<>();
            for (long seed : seeds) {
                System.err.println("[ekt] seed " + seed + ": " + out.resolve("seed-" + seed));
                Experiment e = new Experiment(c.withSeed(seed), dir, out.resolve("seed-" + seed));
                String status = e.run(until);
                if (until != null) System.err.println("[ekt] seed " + seed + ": " + status);
                else bySeed.put(seed, e.results());
            }
            if (until == null && group.isLeader()) {
                SeedSummary.write(out, c.name(), bySeed, c.evaluation().ks());
                printReportPaths(out);
            }
        }
        return 0;
    }

    private static void printReportPaths(Path dir) {
        System.out.println(dir.resolve("report.md"));
        System.out.println(dir.resolve("report.html"));
    }
}
