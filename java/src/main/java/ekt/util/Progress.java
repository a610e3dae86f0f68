package ekt.util;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress line on stderr for long stages: done/total, rate, an optional second rate (e.g.
 * tokens/s) and ETA. On a terminal it redraws in place at most 5 times a second; otherwise (logs,
 * CI) it prints a line every 10 seconds and at the end.
 */
public final class Progress implements AutoCloseable {
    private final String label, unit, extraUnit;
    private final long total;
    private final PrintStream out;
    private final boolean tty = System.console() != null;
    private final long start = System.nanoTime();
    private long done, extra, lastPrint;

    public Progress(String label, long total, String unit, String extraUnit) {
        this(label, total, unit, extraUnit, System.err);
    }

    public Progress(String label, long total, String unit, String extraUnit, PrintStream out) {
        this.label = label;
        this.total = total;
        this.unit = unit;
        this.extraUnit = extraUnit;
        this.out = out;
    }

    /** Counts {@code n} more units (and {@code extraN} more of the second quantity). */
    public synchronized void advance(long n, long extraN) {
        done += n;
        extra += extraN;
        long now = System.nanoTime();
        if (now - lastPrint > (tty ? 200_000_000L : 10_000_000_000L)) {
            lastPrint = now;
            print(false);
        }
    }

    public void advance(long n) {
        advance(n, 0);
    }

    public synchronized String line() {
        double secs = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
        double rate = done / secs;
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "[%s] %d/%d %s", label, done, total, unit));
        if (total > 0) sb.append(String.format(Locale.ROOT, " (%.0f%%)", 100.0 * done / total));
        sb.append(String.format(Locale.ROOT, " | %.1f %s/s", rate, unit));
        if (extraUnit != null) sb.append(String.format(Locale.ROOT, " | %.0f %s/s", extra / secs, extraUnit));
        if (rate > 0 && done < total) sb.append(" | ETA ").append(clock((total - done) / rate));
        else sb.append(" | ").append(clock(secs));
        return sb.toString();
    }

    private void print(boolean last) {
        String l = line();
        if (tty) out.print("\r" + l + (last ? "\n" : ""));
        else out.println(l);
        out.flush();
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%02d:%02d", s / 60, s % 60);
    }

    @Override
    public synchronized void close() {
        print(true);
    }
}
