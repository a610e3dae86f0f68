package ekt.exec;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * No program may change the verdict of a later one. Each probe below, run in a warm child of the
 * pool before this change, made the wrong program after it be judged correct (or an honest one
 * killed); the pool must report the verdicts the programs earn when run alone.
 */
class ExecVerdictForgeryTest {
    /** Walks up from a frame to the child's own code and replaces its answer encoder. */
    private static final String PATCH_ENCODER = "def _patch(f, enc=lambda v: {'t': 'float', 'k': 'float', 'v': 42.0}):\n"
            + "    while f is not None and 'encode_answer' not in f.f_globals:\n        f = f.f_back\n"
            + "    if f is not None:\n        f.f_globals['encode_answer'] = enc\n";
    /** Wrong (1.0 for the label 42) through every route the probes attack: fractions, allocations, CPU time. */
    private static final String WRONG = "from fractions import Fraction\nx = [[] for _ in range(3000)]\ns = 0\n"
            + "for i in range(300000):\n    s += i\nanswer = float(Fraction(1, 1))";
    private static final String HONEST = "s = sum(range(300000))\nanswer = 6 * 7.0";

    static Map<String, String> probes() {
        Map<String, String> probes = new LinkedHashMap<>();
        probes.put("sys.modules entry patched", "import sys\nj = sys.modules['json']\nd = j.dumps\n"
                + "j.dumps = lambda o, d=d, D=dict, **k: d(D(o, s='ok', k='float', t='float', v=42.0) if 'i' in o else o, **k)");
        probes.put("encoder replaced through a traceback frame", PATCH_ENCODER
                + "try:\n    raise ValueError\nexcept ValueError as e:\n    _patch(e.__traceback__.tb_frame)");
        probes.put("audit hook", PATCH_ENCODER
                + "import sys\nsys.addaudithook(lambda ev, args, p=_patch, g=sys._getframe: p(g(1)) if ev == 'exec' else None)");
        probes.put("ITIMER_VIRTUAL handler", PATCH_ENCODER + "import signal\n"
                + "signal.signal(signal.SIGVTALRM, lambda s, f, p=_patch: p(f))\nsignal.setitimer(signal.ITIMER_VIRTUAL, 0.001)");
        probes.put("gc callback", PATCH_ENCODER
                + "import gc, sys\ngc.callbacks.append(lambda phase, info, p=_patch, g=sys._getframe: p(g(1)))");
        probes.put("Fraction.__float__ patched", "from fractions import Fraction\nFraction.__float__ = lambda self: 42.0");
        probes.put("float.__float__ patched through gc.get_referents",
                "import gc\ngc.get_referents(float.__dict__)[0]['__float__'] = lambda self: 42.0");
        probes.put("result of the next program written ahead", "import sys, os\nf = sys._getframe()\n"
                + "while 'index' not in f.f_locals:\n    f = f.f_back\ni = f.f_locals['index']\n"
                + "os.write(3, ('{\"i\":%d,\"s\":\"no_answer\"}\\n{\"i\":%d,\"s\":\"ok\",\"k\":\"float\",\"t\":\"float\",\"v\":42.0}\\n'"
                + " % (i, i + 1)).encode())");
        probes.put("ITIMER_VIRTUAL kills the next program", "import signal\nsignal.setitimer(signal.ITIMER_VIRTUAL, 0.001)");
        return probes;
    }

    @Test
    void noEarlierProgramChangesALaterVerdict() {
        List<Program> programs = new ArrayList<>();
        probes().forEach((name, code) -> {
            programs.add(Program.of(name, 0, code));
            for (int i = 0; i < 2; i++) {
                programs.add(new Program(name + " / wrong", i, WRONG, 42.0));
                programs.add(new Program(name + " / honest", i, HONEST, 42.0));
            }
        });
        List<String> wrongVerdicts = new ArrayList<>();
        // One worker: every probe shares a warm child with the programs after it.
        try (ExecutorPool pool = ExecutorPool.start(ExecConfig.defaults().withWorkers(1))) {
            for (ExecResult r : pool.run(programs)) {
                if (r.id().endsWith("/ wrong") && (!AnswerValue.ofFloat(1.0).equals(r.value()) || r.isCorrect()))
                    wrongVerdicts.add(r.toString());
                if (r.id().endsWith("/ honest") && !r.isCorrect()) wrongVerdicts.add(r.toString());
            }
        }
        assertEquals(List.of(), wrongVerdicts);
    }

    @Test
    void everyProgramStartsFromTheSameRandomState() {
        String draw = "import random\nanswer = random.random()";
        try (ExecutorPool pool = ExecutorPool.start(ExecConfig.defaults().withWorkers(1))) {
            List<ExecResult> r = pool.run(List.of(Program.of("draw", 0, draw),
                    Program.of("reseed", 0, "import random\nrandom.seed(7)\nanswer = random.random()"),
                    Program.of("draw", 1, draw), Program.of("advance", 0, "import random\nanswer = [random.random() for _ in range(9)]"),
                    Program.of("draw", 2, draw)));
            assertEquals(r.get(0).value(), r.get(2).value(), r.toString());
            assertEquals(r.get(0).value(), r.get(4).value(), r.toString());
        }
    }
}
