package ekt.cli;

import ekt.demo.Demo;
import ekt.demo.DemoOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code ekt demo}: the whole EKT experiment offline on generated word problems (see
 * {@link Demo}): a small teacher and student trained here, then EKT, KD, expert iteration and the
 * prompted baselines through the pipeline, and the report. Every number comes from running it.
 */
@Command(name = "demo", description = "Run the EKT experiment offline on generated word problems (at most 15 minutes on 2 cores).")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "runs/demo", description = "demo directory (default: ${DEFAULT-VALUE}); re-running resumes")
    Path out;
    @Option(names = "--seed", defaultValue = "1", description = "generator and training seed (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--reduced", description = "small counts (a couple of minutes), as the test suite runs it")
    boolean reduced;
    @picocli.CommandLine.Mixin
    DeviceOptions device = new DeviceOptions();
    @Option(names = "--sweep", description = "then repeat EKT and KD with the teacher at several training steps (report: OUT/sweep/report.md)")
    boolean sweep;

    @Override
    public Integer call() {
        DemoOptions options = reduced ? DemoOptions.reduced(seed) : DemoOptions.standard(seed);
        Demo demo = new Demo(options, out, device.placement());
        if (sweep) demo.sweep();
        else demo.run();
        System.out.println(out.resolve("experiment").resolve("report.md"));  // stdout: where the results are
        System.out.println(out.resolve("experiment").resolve("report.html"));
        if (sweep) System.out.println(out.resolve("sweep").resolve("report.md"));
        return 0;
    }
}
