package ekt.eval;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Minimal PNG charts (line charts and histograms) with Java2D, headless; no plotting dependency. */
public final class Charts {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private static final int W = 800, H = 440, LEFT = 70, RIGHT = 250, TOP = 40, BOTTOM = 55;
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};

    private Charts() {
    }

    /** One polyline per series; points are (x, y). {@code logX} plots x on a log10 axis. */
    public static byte[] lines(String title, String xLabel, String yLabel, Map<String, List<double[]>> series, boolean logX) {
        double[] xr = range(series.values().stream().flatMap(List::stream).mapToDouble(p -> logX ? Math.log10(p[0]) : p[0]).toArray());
        double[] yr = range(series.values().stream().flatMap(List::stream).mapToDouble(p -> p[1]).toArray());
        yr[0] = Math.min(0, yr[0]);
        Canvas c = new Canvas(title, xLabel, yLabel, xr, yr, logX);
        int i = 0;
        for (Map.Entry<String, List<double[]>> s : series.entrySet()) {
            Color color = PALETTE[i % PALETTE.length];
            c.g.setColor(color);
            c.g.setStroke(new BasicStroke(2f));
            int[] prev = null;
            for (double[] p : s.getValue()) {
                int[] pt = {c.px(logX ? Math.log10(p[0]) : p[0]), c.py(p[1])};
                c.g.fillOval(pt[0] - 3, pt[1] - 3, 6, 6);
                if (prev != null) c.g.drawLine(prev[0], prev[1], pt[0], pt[1]);
                prev = pt;
            }
            c.legend(i++, s.getKey(), color);
        }
        return c.png();
    }

    /**
     * Training curves: one loss polyline per series (e.g. one per expert-iteration round) on the
     * left axis, and dev-set greedy pass@1 (%) points of the same series, where measured, as squares
     * on a right axis.
     */
    public static byte[] training(String title, Map<String, List<double[]>> loss, Map<String, List<double[]>> devPercent) {
        boolean dev = devPercent.values().stream().anyMatch(l -> !l.isEmpty());
        double[] xr = range(java.util.stream.Stream.concat(loss.values().stream(), devPercent.values().stream()).flatMap(List::stream)
                .mapToDouble(p -> p[0]).toArray());
        double[] yr = range(loss.values().stream().flatMap(List::stream).mapToDouble(p -> p[1]).toArray());
        yr[0] = Math.min(0, yr[0]);
        Canvas c = new Canvas(title, "step", "loss", xr, yr, false);
        double[] dr = {0, Math.max(1, devPercent.values().stream().flatMap(List::stream).mapToDouble(p -> p[1]).max().orElse(1)) * 1.1};
        if (dev) c.rightAxis("dev greedy pass@1 (%)", dr);
        int i = 0;
        for (String name : loss.keySet()) {
            Color color = PALETTE[i % PALETTE.length];
            c.g.setColor(color);
            c.g.setStroke(new BasicStroke(2f));
            int[] prev = null;
            for (double[] p : loss.get(name)) {
                int[] pt = {c.px(p[0]), c.py(p[1])};
                if (prev != null) c.g.drawLine(prev[0], prev[1], pt[0], pt[1]);
                prev = pt;
            }
            for (double[] p : devPercent.getOrDefault(name, List.of())) {
                int x = c.px(p[0]), y = H - BOTTOM - (int) Math.round(p[1] / dr[1] * (H - TOP - BOTTOM));
                c.g.fillRect(x - 4, y - 4, 9, 9);
                c.g.setColor(Color.BLACK);
                c.g.drawRect(x - 4, y - 4, 9, 9);
                c.g.setColor(color);
            }
            c.legend(i++, name + (devPercent.getOrDefault(name, List.of()).isEmpty() ? "" : " (■ dev)"), color);
        }
        return c.png();
    }

    /** Side-by-side frequency bars of integer values (e.g. program lengths in lines), one colour per group. */
    public static byte[] histogram(String title, String xLabel, Map<String, int[]> groups) {
        int max = groups.values().stream().flatMapToInt(java.util.Arrays::stream).max().orElse(1);
        Map<String, double[]> freq = new LinkedHashMap<>();
        double top = 0;
        for (Map.Entry<String, int[]> g : groups.entrySet()) {
            double[] f = new double[max + 1];
            for (int v : g.getValue()) f[Math.max(0, v)] += 1.0 / Math.max(1, g.getValue().length);
            for (double v : f) top = Math.max(top, v);
            freq.put(g.getKey(), f);
        }
        Canvas c = new Canvas(title, xLabel, "fraction", new double[]{-0.5, max + 0.5}, new double[]{0, top > 0 ? top * 1.1 : 1}, false);
        int k = 0, n = freq.size();
        double slot = (c.px(1) - c.px(0)) * 0.8 / Math.max(1, n);
        for (Map.Entry<String, double[]> g : freq.entrySet()) {
            Color color = PALETTE[k % PALETTE.length];
            c.g.setColor(color);
            double[] f = g.getValue();
            for (int v = 0; v < f.length; v++) {
                if (f[v] == 0) continue;
                int x = (int) (c.px(v - 0.4) + k * slot), y = c.py(f[v]);
                c.g.fillRect(x, y, Math.max(1, (int) slot), c.py(0) - y);
            }
            c.legend(k++, g.getKey() + " (" + groups.get(g.getKey()).length + ")", color);
        }
        return c.png();
    }

    private static double[] range(double[] v) {
        if (v.length == 0) return new double[]{0, 1};
        double lo = java.util.Arrays.stream(v).min().getAsDouble(), hi = java.util.Arrays.stream(v).max().getAsDouble();
        if (hi - lo < 1e-12) {
            lo -= 0.5;
            hi += 0.5;
        }
        double pad = (hi - lo) * 0.05;
        return new double[]{lo - pad, hi + pad};
    }

    /** Axes, ticks, labels and the pixel mapping of one chart. */
    private static final class Canvas {
        final BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = img.createGraphics();
        final double[] xr, yr;
        int legendShift;

        Canvas(String title, String xLabel, String yLabel, double[] xr, double[] yr, boolean logX) {
            this.xr = xr;
            this.yr = yr;
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, W, H);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
            g.drawString(title, LEFT, 25);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.drawRect(LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM);
            for (double x : ticks(xr, logX)) g.drawString(fmt(logX ? Math.pow(10, x) : x), px(x) - 10, H - BOTTOM + 18);
            for (double y : ticks(yr, false)) {
                g.drawString(fmt(y), 8, py(y) + 4);
                g.setColor(new Color(0xdddddd));
                g.drawLine(LEFT + 1, py(y), W - RIGHT - 1, py(y));
                g.setColor(Color.BLACK);
            }
            g.drawString(xLabel, LEFT + (W - LEFT - RIGHT) / 2 - 30, H - 12);
            g.drawString(yLabel, 8, TOP - 8);
        }

        int px(double x) {
            return LEFT + (int) Math.round((x - xr[0]) / (xr[1] - xr[0]) * (W - LEFT - RIGHT));
        }

        int py(double y) {
            return H - BOTTOM - (int) Math.round((y - yr[0]) / (yr[1] - yr[0]) * (H - TOP - BOTTOM));
        }

        /** A second y axis on the right (ticks from 0 to {@code range[1]}); the legend moves right to make room. */
        void rightAxis(String label, double[] range) {
            legendShift = 45;
            g.setColor(Color.BLACK);
            for (double y : ticks(range, false)) {
                int py = H - BOTTOM - (int) Math.round((y - range[0]) / (range[1] - range[0]) * (H - TOP - BOTTOM));
                g.drawLine(W - RIGHT, py, W - RIGHT + 4, py);
                g.drawString(fmt(y), W - RIGHT + 6, py + 4);
            }
            g.drawString(label, W - RIGHT - 120, TOP - 8);
        }

        void legend(int i, String label, Color color) {
            int y = TOP + 10 + i * 20, x = W - RIGHT + 12 + legendShift;
            g.setColor(color);
            g.fillRect(x, y - 9, 12, 12);
            g.setColor(Color.BLACK);
            int max = legendShift > 0 ? 26 : 32;
            g.drawString(label.length() > max ? label.substring(0, max - 1) + "…" : label, x + 18, y + 2);
        }

        byte[] png() {
            g.dispose();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                ImageIO.write(img, "png", out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toByteArray();
        }

        /** Round tick values inside the range: decades on a log axis, 1/2/5 x 10^k steps otherwise. */
        static List<Double> ticks(double[] r, boolean log) {
            double raw = (r[1] - r[0]) / 5, step = Math.pow(10, Math.floor(Math.log10(raw)));
            if (log) step = Math.max(1, Math.round(step));
            else if (raw / step >= 5) step *= 5;
            else if (raw / step >= 2) step *= 2;
            List<Double> out = new java.util.ArrayList<>();
            for (double v = Math.ceil(r[0] / step) * step; v <= r[1] + 1e-9; v += step) out.add(Math.abs(v) < 1e-12 ? 0 : v);
            return out;
        }

        static String fmt(double v) {
            return Math.abs(v) >= 100 || v == Math.rint(v) ? String.format("%.0f", v) : String.format("%.3g", v);
        }
    }
}
