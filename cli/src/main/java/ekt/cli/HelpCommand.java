package ekt.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ekt help [COMMAND...]}: the usage help of a command or subcommand ({@code ekt help model
 * info}, or {@code ekt model help info}). Unlike picocli's built-in help command it takes the
 * inherited {@code -h} and {@code -V} options like every other command.
 */
@Command(name = "help", helpCommand = true, description = "Show the usage help of a command: ekt help sample, ekt help model info.")
final class HelpCommand implements CommandLine.IHelpCommandInitializable2, Runnable {
    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "the command (and subcommands) to describe; none: this command's parent")
    List<String> commands = new ArrayList<>();

    private CommandLine self;
    private CommandLine.Help.ColorScheme colors;
    private PrintWriter out;

    @Override
    public void init(CommandLine helpCommandLine, CommandLine.Help.ColorScheme colorScheme, PrintWriter outWriter, PrintWriter errWriter) {
        this.self = helpCommandLine;
        this.colors = colorScheme;
        this.out = outWriter;
    }

    @Override
    public void run() {
        CommandLine target = self.getParent();
        for (String name : commands) {
            CommandLine next = target.getSubcommands().get(name);
            if (next == null) throw new CommandLine.ParameterException(self, "Unknown command: '" + name + "' (commands of "
                    + target.getCommandName() + ": " + String.join(", ", target.getSubcommands().keySet()) + ")");
            target = next;
        }
        target.usage(out, colors);
        out.flush();
    }
}
