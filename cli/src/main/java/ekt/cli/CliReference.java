package ekt.cli;

import picocli.CommandLine;

import java.util.Map;

/**
 * The CLI reference of the README, generated from the same annotations as {@code --help}: every
 * command's usage text, in tree order. {@code CliReferenceTest} keeps the README's copy equal to it.
 */
final class CliReference {
    private CliReference() {
    }

    static String markdown() {
        StringBuilder md = new StringBuilder();
        append(Main.commandLine(), md);
        return md.toString();
    }

    private static void append(CommandLine cmd, StringBuilder md) {
        String usage = cmd.getUsageMessage(CommandLine.Help.Ansi.OFF).stripTrailing();
        md.append("#### `").append(cmd.getCommandSpec().qualifiedName()).append("`\n\n```\n").append(usage).append("\n```\n\n");
        for (Map.Entry<String, CommandLine> sub : cmd.getSubcommands().entrySet()) {
            if (sub.getValue().getCommandSpec().name().equals(sub.getKey()) && !sub.getValue().getCommandSpec().usageMessage().hidden())
                append(sub.getValue(), md);
        }
    }
}
