package ekt.consumer;

import com.sun.source.doctree.DocCommentTree;
import com.sun.source.doctree.DocTree;
import com.sun.source.doctree.ParamTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.util.DocTrees;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.RecordComponentElement;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every public or protected type, constructor, method, field and enum constant of the library's
 * main sources (modules engine, pipeline, cli) has javadoc, and every public record's comment has
 * an {@code @param} for each component: what a library user reads in the IDE and the javadoc jar.
 *
 * <p>One javac invocation over all three source trees with {@code -Xdoclint:missing/protected}
 * reports the missing comments (doclint only looks at public and protected members of accessible
 * types, so package-private code such as the JavaCPP bindings {@code ekt.core.*Native}, which are
 * not public API, is out of scope by doclint's own rule, not by an exclusion here). JDK 17's doclint
 * does not check record components, so the test checks those itself on the same compilation.
 * Missing {@code @param}/{@code @return} tags on methods are not asserted: a one-line comment that
 * says it all is fine.
 *
 * <p>A probe source with one undocumented method and one undocumented record component is compiled
 * along with the real sources and must be reported, so the test cannot pass because doclint stopped
 * reporting (another JDK, another locale).
 */
class JavadocCoverageTest {
    private static final List<String> MODULES = List.of("engine", "pipeline", "cli");
    private static final String SOURCE_ROOT = "src/main/java/";
    private static final String MISSING_COMMENT = "no comment";

    /** Undocumented on purpose: the check must report exactly these two lines. */
    private static final String PROBE_NAME = "ekt/doclintprobe/Probe.java";
    private static final String PROBE = """
            package ekt.doclintprobe;

            /**
             * A probe.
             * @param documented documented
             */
            public record Probe(int documented, int undocumented) {
                public void bare() {
                }
            }
            """;

    @Test
    void everyPublicTypeAndMemberHasJavadoc(@TempDir Path classes) throws IOException {
        Path repo = Path.of(System.getProperty("ekt.repo.dir", "..")).toAbsolutePath().normalize();
        List<Path> roots = MODULES.stream().map(m -> repo.resolve(m).resolve(SOURCE_ROOT)).toList();
        for (Path root : roots) assertTrue(Files.isDirectory(root), "no source root " + root);

        List<Missing> missing = compile(repo, roots, classes);

        List<String> probe = missing.stream().filter(m -> m.file().equals(PROBE_NAME)).map(Missing::toString).toList();
        assertEquals(List.of(PROBE_NAME + ":7: record component undocumented: no @param",
                PROBE_NAME + ":8: bare(): " + MISSING_COMMENT), probe,
                "the probe's undocumented members must be reported: has doclint's output changed?");

        List<String> failures = missing.stream().filter(m -> !m.file().equals(PROBE_NAME)).map(Missing::toString).toList();
        assertTrue(failures.isEmpty(), failures.size() + " public types/members lack javadoc:\n"
                + String.join("\n", failures));
    }

    /** One missing comment: the file relative to the repository, its line and what lacks it. */
    private record Missing(String file, long line, String what) {
        @Override
        public String toString() {
            return file + ":" + line + ": " + what;
        }
    }

    /** Compiles the sources of every root plus the probe once; the missing comments, sorted by file and line. */
    private static List<Missing> compile(Path repo, List<Path> roots, Path classes) throws IOException {
        List<Path> sources = new ArrayList<>();
        for (Path root : roots)
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(f -> f.toString().endsWith(".java")).sorted().forEach(sources::add);
            }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "no system Java compiler (a JRE instead of a JDK?)");
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> options = List.of("-proc:none", "-Xdoclint:missing/protected", "-Xmaxwarns", "100000",
                "-encoding", "UTF-8", "-d", classes.toString(), "-cp", classpath);
        try (StandardJavaFileManager fileManager = javac.getStandardFileManager(diagnostics, Locale.ROOT,
                StandardCharsets.UTF_8)) {
            List<JavaFileObject> units = new ArrayList<>();
            fileManager.getJavaFileObjectsFromPaths(sources).forEach(units::add);
            units.add(new SimpleJavaFileObject(URI.create("string:///" + PROBE_NAME), JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return PROBE;
                }
            });
            JavacTask task = (JavacTask) javac.getTask(null, fileManager, diagnostics, options, null, units);
            task.parse();
            Iterable<? extends Element> types = task.analyze();
            List<String> errors = diagnostics.getDiagnostics().stream()
                    .filter(d -> d.getKind() == Diagnostic.Kind.ERROR).map(d -> d.toString()).toList();
            assertTrue(errors.isEmpty(), "the main sources do not compile:\n" + String.join("\n", errors));

            List<Missing> missing = new ArrayList<>();
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics())
                if (d.getKind() == Diagnostic.Kind.WARNING && d.getMessage(Locale.ROOT).equals(MISSING_COMMENT))
                    missing.add(new Missing(relative(d.getSource(), repo), d.getLineNumber(),
                            declaration(d) + ": " + MISSING_COMMENT));
            missing.addAll(undocumentedRecordComponents(DocTrees.instance(task), types, repo));
            missing.sort((a, b) -> a.file().equals(b.file()) ? Long.compare(a.line(), b.line())
                    : a.file().compareTo(b.file()));
            return missing;
        }
    }

    /** The declaration a diagnostic points at, from its source line: "name(" for a method, else the name. */
    private static String declaration(Diagnostic<? extends JavaFileObject> d) {
        try {
            String text = d.getSource().getCharContent(true).toString();
            int start = (int) d.getPosition();
            int end = identifierEnd(text, start);
            String name = text.substring(start, end);
            if (Set.of("class", "interface", "enum", "record").contains(name)) {  // a type: doclint points at the keyword
                while (end < text.length() && Character.isWhitespace(text.charAt(end))) end++;
                return name + " " + text.substring(end, identifierEnd(text, end));
            }
            return end < text.length() && text.charAt(end) == '(' ? name + "()" : name;
        } catch (IOException e) {
            return "?";
        }
    }

    private static int identifierEnd(String text, int start) {
        int end = start;
        while (end < text.length() && Character.isJavaIdentifierPart(text.charAt(end))) end++;
        return end;
    }

    /** Components of public records whose (present) comment has no {@code @param} for them. */
    private static List<Missing> undocumentedRecordComponents(DocTrees trees, Iterable<? extends Element> types,
                                                              Path repo) {
        Map<TypeElement, CompilationUnitTree> records = new java.util.LinkedHashMap<>();
        for (Element type : types) collectRecords(type, trees, records);
        List<Missing> missing = new ArrayList<>();
        for (Map.Entry<TypeElement, CompilationUnitTree> e : records.entrySet()) {
            TypeElement record = e.getKey();
            DocCommentTree comment = trees.getDocCommentTree(record);
            if (comment == null) continue;  // doclint reports the missing comment itself
            Set<String> documented = new HashSet<>();
            for (DocTree tag : comment.getBlockTags())
                if (tag instanceof ParamTree p && !p.isTypeParameter()) documented.add(p.getName().getName().toString());
            for (RecordComponentElement component : record.getRecordComponents()) {
                String name = component.getSimpleName().toString();
                if (documented.contains(name)) continue;
                TreePath path = trees.getPath(record);
                long position = trees.getSourcePositions().getStartPosition(e.getValue(), path.getLeaf());
                long line = e.getValue().getLineMap().getLineNumber(position);
                missing.add(new Missing(relative(e.getValue().getSourceFile(), repo), line,
                        "record component " + name + ": no @param"));
            }
        }
        return missing;
    }

    /** Public records reachable from {@code type} (itself, nested types) whose enclosing types are all accessible. */
    private static void collectRecords(Element type, DocTrees trees, Map<TypeElement, CompilationUnitTree> out) {
        Set<Modifier> modifiers = type.getModifiers();
        boolean accessible = modifiers.contains(Modifier.PUBLIC) || modifiers.contains(Modifier.PROTECTED);
        if (!accessible) return;
        if (type.getKind() == ElementKind.RECORD) out.put((TypeElement) type, trees.getPath(type).getCompilationUnit());
        for (Element member : type.getEnclosedElements())
            if (member.getKind().isClass() || member.getKind().isInterface()) collectRecords(member, trees, out);
    }

    /** A source's path in the repository ({@code engine/src/main/java/ekt/core/Model.java}); the probe's own name. */
    private static String relative(JavaFileObject source, Path repo) {
        if (!"file".equals(source.toUri().getScheme())) return source.toUri().getPath().substring(1);
        return repo.relativize(Path.of(source.toUri())).toString().replace('\\', '/');
    }
}
