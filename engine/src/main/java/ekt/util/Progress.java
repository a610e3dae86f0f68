package ekt.util;

import java.io.PrintStream;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The one progress line of every long task (sampling, execution, training, pipeline stages), on
 * stderr: {@code [label] done/total unit (pct) | rate unit/s | second rate | ETA mm:ss | detail}.
 * When stderr is a terminal it is redrawn in place at most 5 times a second; otherwise (a file,
 * a pipe, CI) it is printed as a plain line prefixed with the local time, at most every 10
 * seconds, on {@link #report()} and once at the end, never with a carriage return or escape.
 */
public final class Progress implements AutoCloseable {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private final String label, unit, extraUnit;
    private final long total;
    private final PrintStream out;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private long done, skipped, extra, lastPrint = start, printedDone = -1;
    private String detail = "";

    /**
     * A progress line on stderr, redrawn in place when stderr is a terminal.
     *
     * @param label     the task's name, shown in brackets
     * @param total     units the task has in all (0 if unknown: no percentage)
     * @param unit      what is counted, e.g. {@code samples}
     * @param extraUnit a second quantity whose rate is shown (e.g. {@code tokens}), or null for none
     */
    public Progress(String label, long total, String unit, String extraUnit) {
        this(label, total, unit, extraUnit, System.err, Terminal.stderr());
    }

    /**
     * A progress line on any stream (tests, captured output).
     *
     * @param out      where the line goes
     * @param terminal whether to redraw in place (a terminal) or print timestamped lines (a file)
     * @see #Progress(String, long, String, String)
     */
    public Progress(String label, long total, String unit, String extraUnit, PrintStream out, boolean terminal) {
        this.label = label;
        this.total = total;
        this.unit = unit;
        this.extraUnit = extraUnit;
        this.out = out;
        this.terminal = terminal;
    }

    /** Counts {@code n} units done before this process started (a resumed task): not part of the rate. */
    public synchronized void skip(long n) {
        done += n;
        skipped += n;
    }

    /** Counts {@code n} more units (and {@code extraN} more of the second quantity). */
    public synchronized void advance(long n, long extraN) {
        done += n;
        extra += extraN;
        long now = System.nanoTime();
        if (now - lastPrint > (terminal ? 200_000_000L : 10_000_000_000L)) print(false);
    }

    /** Counts {@code n} more units, none of the second quantity. */
    public void advance(long n) {
        advance(n, 0);
    }

    /** Text shown after the ETA, e.g. the latest loss or the count of correct programs. */
    public synchronized void detail(String text) {
        detail = text == null ? "" : text;
    }

    /** Prints the line now, whatever the interval (a training run's --log-every). */
    public synchronized void report() {
        print(false);
    }

    /** A message between progress lines: on a terminal the line is cleared first and redrawn after it. */
    public synchronized void log(String message) {
        if (terminal) {
            out.print("\r\033[K" + message + "\n");
            print(false);
        } else {
            out.println(message);
        }
        out.flush();
    }

    /** @return the progress line as it would be printed now (without time stamp or control characters) */
    public synchronized String line() {
        double secs = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
        double rate = (done - skipped) / secs;
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "[%s] %d/%d %s", label, done, total, unit));
        if (total > 0) sb.append(String.format(Locale.ROOT, " (%.0f%%)", 100.0 * done / total));
        sb.append(String.format(Locale.ROOT, " | %s %s/s", rate(rate), unit));
        if (extraUnit != null) sb.append(String.format(Locale.ROOT, " | %s %s/s", rate(extra / secs), extraUnit));
        if (done < total) sb.append(" | ETA ").append(rate > 0 ? clock((total - done) / rate) : "--:--");
        else sb.append(" | took ").append(clock(secs));
        if (!detail.isEmpty()) sb.append(" | ").append(detail);
        return sb.toString();
    }

    private void print(boolean last) {
        lastPrint = System.nanoTime();
        printedDone = done;
        String l = line();
        if (terminal) out.print("\r" + l + "\033[K" + (last ? "\n" : ""));
        else out.println(LocalDateTime.now().format(TIME) + " " + l);
        out.flush();
    }

    private static String rate(double r) {
        return String.format(Locale.ROOT, r >= 100 ? "%.0f" : "%.1f", r);
    }

    /** mm:ss, or h:mm:ss from an hour on: the one duration format of progress lines. */
    public static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }

    /** The final line, unless a plain line with the same count was just printed (no repeated last line). */
    @Override
    public synchronized void close() {
        if (terminal || printedDone != done) print(true);
    }
}
