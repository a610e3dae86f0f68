package ekt.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code ekt completion}: the bash completion script generated from the command tree, which zsh
 * loads too through bashcompinit. Always current: it is built from the same annotations as --help.
 */
@Command(name = "completion", description = {"Print a bash/zsh completion script for ekt.",
        "bash: source <(./ekt completion)   zsh: autoload -U +X bashcompinit && bashcompinit && source <(./ekt completion)"})
final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        System.out.print(AutoComplete.bash("ekt", spec.root().commandLine()));
        System.out.flush();
        return 0;
    }
}
