package ekt.sample;

import java.io.PrintStream;
import java.util.function.Consumer;

/**
 * Progress of a {@link Generation} on stderr: redrawn in place on a terminal (at most 4 times
 * a second), one line every 10 seconds otherwise (logs), and a final line.
 */
public final class ProgressBar implements Consumer<Generation.Progress> {
    private final PrintStream out;
    private final boolean terminal;
    private long lastDraw;

    public ProgressBar(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    public static ProgressBar stderr() {
        return new ProgressBar(System.err, System.console() != null);
    }

    @Override
    public void accept(Generation.Progress p) {
        long now = System.nanoTime();
        boolean last = p.samplesDone() == p.samplesTotal();
        if (!last && now - lastDraw < (terminal ? 250_000_000L : 10_000_000_000L)) return;
        lastDraw = now;
        String line = format(p);
        if (terminal) {
            out.print("\r" + line + (last ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    static String format(Generation.Progress p) {
        double percent = p.samplesTotal() > 0 ? 100.0 * p.samplesDone() / p.samplesTotal() : 100;
        return String.format("sampling %d/%d (%.0f%%)  %.1f samples/s  %.0f tokens/s  elapsed %s  ETA %s",
                p.samplesDone(), p.samplesTotal(), percent, p.samplesPerSecond(), p.tokensPerSecond(),
                duration(p.seconds()), duration(p.etaSeconds()));
    }

    static String duration(double seconds) {
        if (Double.isNaN(seconds) || Double.isInfinite(seconds)) return "--";
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60)
                : String.format("%dm%02ds", s / 60, s % 60);
    }
}
