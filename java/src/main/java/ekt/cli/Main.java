package ekt.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code ./ekt} launcher: one subcommand per capability. */
@Command(name = "ekt", mixinStandardHelpOptions = true, version = "ekt 0.1.0",
        description = "Explicit knowledge transfer for code generation: sample, execute, select, train, evaluate.",
        subcommands = {
                ModelCommand.class,
                ExecCommand.class,
                ScoreCommand.class,
                TokenizeCommand.class,
                TrainCommand.class,
                SampleCommand.class,
                RunCommand.class,
                ServeCommand.class,
                DemoCommand.class,
        })
public final class Main {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI without exiting, for tests. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("ekt: " + ex.getMessage());
            if (System.getenv("EKT_DEBUG") != null) ex.printStackTrace(cmd.getErr());
            return 1;
        });
        return cli.execute(args);
    }
}
