package ekt.cli;

import ekt.util.Terminal;
import ekt.util.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;

/**
 * Entry point of the {@code ./ekt} launcher: one subcommand per capability. Every command and
 * subcommand inherits {@code -h/--help} and {@code -V/--version}; {@code ekt help CMD} works too.
 * Exit codes: 0 success, 1 a failure while running, 2 a usage error (picocli's convention).
 */
@Command(name = "ekt", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, versionProvider = Main.VersionProvider.class,
        description = "Explicit knowledge transfer for code generation: sample, execute, select, train, evaluate.",
        subcommands = {
                HelpCommand.class,
                ModelCommand.class,
                ExecCommand.class,
                ScoreCommand.class,
                TokenizeCommand.class,
                TrainCommand.class,
                SampleCommand.class,
                RunCommand.class,
                ServeCommand.class,
                DemoCommand.class,
                ConvertCommand.class,
                CompletionCommand.class,
        })
public final class Main {
    /**
     * The {@code ekt} command: runs the CLI and exits the JVM with its exit code (0 success, 1 a
     * failed command, 2 a usage error).
     *
     * @param args the command line, e.g. {@code sample --model DIR ...}
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI without exiting, for tests. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The configured command tree (also what the completion script and the README reference are generated from). */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setColorScheme(CommandLine.Help.defaultColorScheme(Terminal.colours() ? CommandLine.Help.Ansi.ON : CommandLine.Help.Ansi.OFF));
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("ekt: " + ex.getMessage());
            if (System.getenv("EKT_DEBUG") != null) ex.printStackTrace(cmd.getErr());
            return 1;
        });
        return cli;
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"ekt " + Version.get(), "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
