package ekt.cli;

import ekt.core.ModelInfo;
import ekt.sample.SamplePrompt;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;

/**
 * The sizes {@code ekt sample} is asked for, checked against the loaded model and this machine
 * before anything is written: a request that can only end in a truncated sample, an index error
 * deep in the engine or an {@link OutOfMemoryError} is refused with what to lower instead.
 */
final class SampleLimits {
    /**
     * Heap bytes one generated token costs while its prompt's samples are held until the prompt
     * completes (id, log-probability, text bytes and list overhead): an upper estimate.
     */
    private static final long HELD_BYTES_PER_TOKEN = 16;

    private SampleLimits() {
    }

    static void check(int n, int maxNewTokens, long memoryMb, ModelInfo model, Path modelDir,
                      List<SamplePrompt> prompts, Path promptsFile) {
        if (maxNewTokens >= model.contextLength())
            throw new IllegalArgumentException("--max-new-tokens " + maxNewTokens + " leaves no room for a prompt in "
                    + modelDir + "'s context of " + model.contextLength() + " tokens; give at most "
                    + (model.contextLength() - 1));
        long ramMb = physicalMemoryBytes() >> 20;
        if (memoryMb > ramMb)
            throw new IllegalArgumentException("--memory-mb " + memoryMb + " is more than this machine's "
                    + ramMb + " MiB of memory");
        long heldBytes = (long) n * maxNewTokens * HELD_BYTES_PER_TOKEN;
        long heap = Runtime.getRuntime().maxMemory();
        if (heldBytes > heap / 2)
            throw new IllegalArgumentException("--n " + n + " × --max-new-tokens " + maxNewTokens
                    + " samples of one prompt need up to " + (heldBytes >> 20) + " MiB of the JVM's "
                    + (heap >> 20) + " MiB heap until the prompt completes; lower --n or --max-new-tokens"
                    + " (or raise the heap with EKT_JAVA_OPTS=-Xmx...)");
        for (SamplePrompt p : prompts) {
            if (p.tokens() == null) continue;
            for (int i = 0; i < p.tokens().length; i++) {
                if (p.tokens()[i] >= model.vocabSize())
                    throw new IllegalArgumentException(promptsFile + ": prompt '" + p.id() + "': \"tokens\"[" + i
                            + "] = " + p.tokens()[i] + " is not in " + modelDir + "'s vocabulary [0, "
                            + model.vocabSize() + ")");
            }
        }
    }

    private static long physicalMemoryBytes() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
    }
}
