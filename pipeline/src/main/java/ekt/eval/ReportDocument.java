package ekt.eval;

import ekt.pipeline.AtomicFiles;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A report built once as a list of blocks (headings, paragraphs, tables, images, code) and written
 * twice: Markdown with the PNGs beside it ({@code report.md}, {@code plots/*.png}) and one
 * self-contained HTML file ({@code report.html}) with the images embedded as data URIs, so it
 * opens offline and can be mailed as a single file. Adding a section means adding blocks.
 */
public final class ReportDocument {
    /** One piece of the report, rendered the same way into both formats. */
    private interface Block {
        void markdown(StringBuilder md);

        void html(StringBuilder h);
    }

    private record Heading(int level, String text) implements Block {
        public void markdown(StringBuilder md) {
            md.append("#".repeat(level)).append(' ').append(text).append("\n\n");
        }

        public void html(StringBuilder h) {
            h.append("<h").append(level).append('>').append(esc(text)).append("</h").append(level).append(">\n");
        }
    }

    /** Plain text; a paragraph whose every line starts with "- " is a bulleted list. */
    private record Paragraph(String text) implements Block {
        public void markdown(StringBuilder md) {
            md.append(text).append("\n\n");
        }

        public void html(StringBuilder h) {
            if (text.lines().allMatch(l -> l.startsWith("- "))) {
                h.append("<ul>\n");
                text.lines().forEach(l -> h.append("<li>").append(esc(l.substring(2))).append("</li>\n"));
                h.append("</ul>\n");
            } else {
                h.append("<p>").append(esc(text)).append("</p>\n");
            }
        }
    }

    private record Table(List<String> header, List<List<String>> rows) implements Block {
        public void markdown(StringBuilder md) {
            md.append("| ").append(String.join(" | ", header.stream().map(ReportDocument::mdCell).toList())).append(" |\n|");
            md.append("---|".repeat(header.size())).append('\n');
            for (List<String> r : rows) md.append("| ").append(String.join(" | ", r.stream().map(ReportDocument::mdCell).toList())).append(" |\n");
            md.append('\n');
        }

        public void html(StringBuilder h) {
            h.append("<table>\n<thead><tr>");
            header.forEach(c -> h.append("<th>").append(esc(c)).append("</th>"));
            h.append("</tr></thead>\n<tbody>\n");
            for (List<String> r : rows) {
                h.append("<tr>");
                r.forEach(c -> h.append("<td>").append(esc(c)).append("</td>"));
                h.append("</tr>\n");
            }
            h.append("</tbody>\n</table>\n");
        }
    }

    private record Image(String file, String alt, byte[] png) implements Block {
        public void markdown(StringBuilder md) {
            md.append("![").append(alt).append("](plots/").append(file).append(")\n\n");
        }

        public void html(StringBuilder h) {
            h.append("<figure><img alt=\"").append(esc(alt)).append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(png)).append("\"><figcaption>").append(esc(alt)).append("</figcaption></figure>\n");
        }
    }

    private record Code(String language, String text) implements Block {
        public void markdown(StringBuilder md) {
            md.append("```").append(language).append('\n').append(text).append("\n```\n\n");
        }

        public void html(StringBuilder h) {
            h.append("<pre><code>").append(esc(text)).append("</code></pre>\n");
        }
    }

    private final String title;
    private final List<Block> blocks = new ArrayList<>();

    /** @param title the document's title (the Markdown {@code #} heading and the HTML title) */
    public ReportDocument(String title) {
        this.title = title;
    }

    /**
     * Adds a section heading (level 2).
     *
     * @return this document
     */
    public ReportDocument heading(String text) {
        blocks.add(new Heading(2, text));
        return this;
    }

    /** Plain text (no markup is interpreted); every line starting with "- " makes it a bulleted list. */
    public ReportDocument paragraph(String text) {
        blocks.add(new Paragraph(text));
        return this;
    }

    /**
     * Adds a table; cells are plain text.
     *
     * @return this document
     * @throws IllegalArgumentException if a row's cell count differs from the header's
     */
    public ReportDocument table(List<String> header, List<List<String>> rows) {
        for (List<String> r : rows)
            if (r.size() != header.size()) throw new IllegalArgumentException("table row has " + r.size() + " cells, header " + header.size());
        blocks.add(new Table(List.copyOf(header), rows.stream().map(List::copyOf).toList()));
        return this;
    }

    /** A PNG, written as {@code plots/FILE} for the Markdown and embedded in the HTML. */
    public ReportDocument image(String file, String alt, byte[] png) {
        blocks.add(new Image(file, alt, png.clone()));
        return this;
    }

    /**
     * Adds a code block.
     *
     * @param language the Markdown fence's language tag, e.g. {@code python}
     * @return this document
     */
    public ReportDocument code(String language, String text) {
        blocks.add(new Code(language, text));
        return this;
    }

    /** Writes {@code report.md}, {@code report.html} and {@code plots/*.png} into {@code dir}; returns the Markdown. */
    public String write(Path dir) {
        for (Block b : blocks) if (b instanceof Image i) AtomicFiles.write(dir.resolve("plots").resolve(i.file()), i.png());
        String md = markdown();
        AtomicFiles.write(dir.resolve("report.md"), md);
        AtomicFiles.write(dir.resolve("report.html"), html());
        return md;
    }

    /** @return the document as Markdown (images linked as {@code plots/FILE}) */
    public String markdown() {
        StringBuilder md = new StringBuilder("# ").append(title).append("\n\n");
        for (Block b : blocks) b.markdown(md);
        return md.toString();
    }

    /** @return the document as one self-contained HTML page (images embedded as data URIs) */
    public String html() {
        StringBuilder h = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(esc(title)).append("</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\n")
                .append("table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}\n")
                .append("th:first-child,td:first-child{text-align:left}th{background:#f3f3f3}\n")
                .append("img{max-width:100%;display:block;margin:1em 0}pre{background:#f6f6f6;padding:1em;overflow:auto}\n")
                .append("</style>\n</head>\n<body>\n<h1>").append(esc(title)).append("</h1>\n");
        for (Block b : blocks) b.html(h);
        return h.append("</body>\n</html>\n").toString();
    }

    private static String mdCell(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
