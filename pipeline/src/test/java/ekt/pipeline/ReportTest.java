package ekt.pipeline;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import ekt.eval.MethodResult;
import ekt.eval.ProblemScore;
import ekt.eval.Report;
import ekt.eval.Scores;
import ekt.eval.SeedSummary;
import ekt.eval.TrainingCurve;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The report on synthetic results: the config's k drive table and plots, intervals and paired
 * differences appear, training curves come per round with KD's KL apart and dev points read from
 * {@code dev_eval.jsonl}, the timing table comes from the manifest, and the HTML renders in headless
 * Chromium with every table and image.
 */
class ReportTest {

    static Scores scores(String method, long seed, double rate, int n) {
        Random r = new Random(seed);
        List<ProblemScore> problems = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            int c = 0;
            for (int j = 0; j < n; j++) if (r.nextDouble() < rate) c++;
            problems.add(new ProblemScore("test-" + i, n, c, r.nextDouble() < rate));
        }
        return new Scores(method, problems);
    }

    static List<double[]> curve(int steps, double start, double kl) {
        List<double[]> points = new ArrayList<>();
        for (int s = 1; s <= steps; s++) points.add(new double[]{s, start / s + kl / s, start / s, kl / s});
        return points;
    }

    static List<MethodResult> results(Path stageDir, long seed) throws Exception {
        Files.createDirectories(stageDir);
        Files.writeString(stageDir.resolve(DevMonitor.FILE),
                "{\"epoch\": 1, \"step\": 10, \"checkpoint\": \"step-10\", \"greedy_pass1\": 0.05, \"solved\": 1, \"problems\": 20}\n"
                        + "{\"epoch\": 2, \"step\": 20, \"checkpoint\": \"step-20\", \"greedy_pass1\": 0.15, \"solved\": 3, \"problems\": 20}\n");
        List<double[]> dev = TrainStage.readDev(stageDir);
        assertEquals(2, dev.size());
        assertEquals(20.0, dev.get(1)[0]);
        assertEquals(0.15, dev.get(1)[1]);
        return List.of(
                new MethodResult("fewshot_teacher", "teacher (few-shot)", scores("t", seed, 0.7, 8), null, null, List.of(), new int[]{3, 4, 4, 5}),
                new MethodResult("ekt", "EKT", scores("ekt", seed + 1, 0.1, 8), 40, 0.8,
                        List.of(new TrainingCurve("EKT", curve(20, 3, 0), dev)), new int[]{3, 4}),
                new MethodResult("kd", "KD", scores("kd", seed + 2, 0.3, 8), 40, 0.8,
                        List.of(new TrainingCurve("KD", curve(20, 3, 1.5), List.of())), new int[]{4}),
                new MethodResult("ei", "EI", scores("ei", seed + 3, 0.02, 8), 5, 0.1,
                        List.of(new TrainingCurve("EI round 1", curve(5, 4, 0), null), new TrainingCurve("EI round 2", curve(8, 3.5, 0), null)),
                        new int[0]));
    }

    @Test
    void reportShowsTheConfiguredKWithIntervalsDifferencesCurvesAndTiming(@TempDir Path dir) throws Exception {
        JsonNode stages = Json.MAPPER.readTree("{\"teacher-samples\": {\"status\": \"done\", \"started\": \"2026-11-30T10:00:00Z\", "
                + "\"finished\": \"2026-11-30T10:02:00Z\", \"counts\": {\"samples\": 600, \"tokens\": 48000}},"
                + "\"teacher-exec\": {\"status\": \"done\", \"started\": \"2026-11-30T10:02:00Z\", \"finished\": \"2026-11-30T10:02:30Z\", "
                + "\"counts\": {\"programs\": 600, \"correct\": 300}}}");
        String md = new Report("synthetic", "the test problems", results(dir.resolve("ekt-train"), 1), new int[]{1, 4})
                .teacher("fewshot_teacher", Set.of("train-1")).timing(stages).config("{}").write(dir);
        assertTrue(md.contains("| method | greedy pass@1 | pass@1 | pass@4 | training examples | teacher coverage |"), md);
        assertFalse(md.contains("pass@10"), "only the configured k");
        assertTrue(Pattern.compile("\\| EKT \\| \\d+\\.\\d\\d% \\[\\d+\\.\\d, \\d+\\.\\d] \\| \\d+\\.\\d\\d% \\[").matcher(md).find(), md);
        assertTrue(md.contains("## Difference from EKT"), md);
        assertTrue(Pattern.compile("\\| KD \\| [+-]\\d+\\.\\d\\d pp \\(p = [<\\d.]+\\) \\|").matcher(md).find(), md);
        assertTrue(md.contains("that the teacher (few-shot) row never solved"), md);
        assertTrue(md.contains("| teacher-samples | 02:00 | 600 samples | 400 | 5.0 |"), md);
        assertTrue(md.contains("| teacher-exec | 00:30 | 600 programs | – | 20.0 |"), md);
        for (String png : List.of("pass_at_k.png", "program_lengths.png", "training_loss.png", "kd_kl.png"))
            assertTrue(Files.size(dir.resolve("plots").resolve(png)) > 1000, png);
        assertTrue(md.contains("squares: dev-set greedy pass@1"), "dev points drawn: " + md);
        renderedInChromium(dir.resolve("report.html"), md);
    }

    @Test
    void seedSummaryGivesMeanAndIntervalAcrossSeeds(@TempDir Path dir) throws Exception {
        Map<Long, List<MethodResult>> bySeed = new LinkedHashMap<>();
        for (long seed = 1; seed <= 3; seed++) bySeed.put(seed, results(dir.resolve("s" + seed), seed * 10));
        String md = SeedSummary.write(dir, "synthetic", bySeed, new int[]{1, 4});
        assertTrue(md.startsWith("# synthetic (3 seeds)"), md);
        assertTrue(Pattern.compile("\\| EKT \\| \\d+\\.\\d\\d% ± \\d+\\.\\d\\d \\[-?\\d+\\.\\d, \\d+\\.\\d] \\|").matcher(md).find(), md);
        assertTrue(md.contains("| method | greedy pass@1, seed 1 | greedy pass@1, seed 2 | greedy pass@1, seed 3 |"), md);
        renderedInChromium(dir.resolve("report.html"), md);
    }

    /**
     * Opens the HTML in headless Chromium, offline, with a probe script appended that counts the
     * tables and the images that actually decoded; both must match the Markdown's.
     */
    static void renderedInChromium(Path html, String markdown) throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        Assumptions.assumeTrue(Files.isExecutable(chromium), "headless Chromium is not installed (Debian package chromium; ./ekt test installs it)");
        String page = Files.readString(html);
        assertFalse(Pattern.compile("(src|href)=\"(?!data:)").matcher(page).find(), "self-contained: no external resource");
        String probe = "<script>window.addEventListener('load', () => { const imgs = [...document.images];"
                + " const p = document.createElement('pre'); p.id = 'ekt-probe'; p.textContent = JSON.stringify({"
                + " tables: document.querySelectorAll('table').length,"
                + " rows: [...document.querySelectorAll('table')].map(t => t.rows.length),"
                + " images: imgs.length, decoded: imgs.filter(i => i.complete && i.naturalWidth > 0).length});"
                + " document.body.appendChild(p); });</script>";
        Path probed = html.resolveSibling("probed.html");
        Files.writeString(probed, page.replace("</body>", probe + "</body>"));
        Path profile = Files.createTempDirectory(html.getParent(), "chromium-profile");
        Process p = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--user-data-dir=" + profile, "--virtual-time-budget=10000", "--dump-dom", probed.toUri().toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] dom = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium finished");
        Matcher m = Pattern.compile("<pre id=\"ekt-probe\">([^<]*)</pre>").matcher(new String(dom, StandardCharsets.UTF_8));
        assertTrue(m.find(), "the probe ran in Chromium: " + new String(dom, StandardCharsets.UTF_8).substring(0, Math.min(500, dom.length)));
        JsonNode got = Json.MAPPER.readTree(m.group(1).replace("&quot;", "\""));
        long tables = markdown.lines().filter(l -> l.startsWith("|---")).count();
        long images = markdown.lines().filter(l -> l.startsWith("![")).count();
        assertEquals(tables, got.get("tables").asLong(), "every table rendered: " + got);
        assertEquals(images, got.get("images").asLong(), "every image present: " + got);
        assertEquals(images, got.get("decoded").asLong(), "every image decoded: " + got);
        List<Integer> mdRows = new ArrayList<>();
        int rows = 0;
        for (String l : markdown.lines().toList()) {
            if (l.startsWith("|")) {
                if (!l.startsWith("|---")) rows++;
            } else if (rows > 0) {
                mdRows.add(rows);
                rows = 0;
            }
        }
        for (int i = 0; i < mdRows.size(); i++) assertEquals(mdRows.get(i).intValue(), got.get("rows").get(i).asInt(), "rows of table " + i);
    }
}
