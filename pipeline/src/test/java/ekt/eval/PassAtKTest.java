package ekt.eval;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ekt.testing.Python;
import ekt.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PassAtKTest {
    static BigInteger choose(int n, int k) {
        BigInteger r = BigInteger.ONE;
        for (int i = 0; i < k; i++) r = r.multiply(BigInteger.valueOf(n - i)).divide(BigInteger.valueOf(i + 1));
        return r;
    }

    @Test
    void equalsOneMinusBinomialRatioExactly() {
        for (int n : new int[]{1, 5, 20, 100})
            for (int c = 0; c <= n; c++)
                for (int k : new int[]{1, 2, 10, 20, 100}) {
                    if (k > n) continue;
                    double exact = n - c < k ? 1.0
                            : 1.0 - new java.math.BigDecimal(choose(n - c, k)).divide(new java.math.BigDecimal(choose(n, k)), java.math.MathContext.DECIMAL64).doubleValue();
                    assertEquals(exact, PassAtK.estimate(n, c, k), 1e-12, "n=" + n + " c=" + c + " k=" + k);
                }
    }

    @Test
    void reproducesThePapersCodeIncludingEdgeCases() throws IOException {
        List<int[]> cases = new ArrayList<>();
        for (int[] c : new int[][]{{100, 0, 1}, {100, 0, 100}, {100, 100, 1}, {100, 100, 100}, {20, 0, 100}, {20, 3, 100},
                {5, 0, 10}, {100, 1, 1}, {100, 1, 10}, {100, 37, 10}, {1, 0, 1}, {1, 1, 1}, {20, 1, 10}, {7, 2, 3}})
            cases.add(c);
        Path in = Files.createTempFile("passk", ".json");
        Files.writeString(in, new ObjectMapper().writeValueAsString(cases));
        String out = Python.run("paper_pass_k.py", "--stdin-file", in.toString());
        JsonNode ref = Json.MAPPER.readTree(out);
        for (int i = 0; i < cases.size(); i++) {
            int[] c = cases.get(i);
            assertEquals(ref.get(i).asDouble(), PassAtK.estimate(c[0], c[1], c[2]), 1e-12, "n,c,k=" + c[0] + "," + c[1] + "," + c[2]);
        }
    }

    @Test
    void recordedGptjFlagsGiveThePublishedRates() throws IOException {
        Path file = SharedData.require("data/ekt-paper/gptj_teacher_train_pass20.jsonl");
        List<String> lines = Files.readAllLines(file);
        int[] n = new int[lines.size()], c = new int[lines.size()];
        for (int i = 0; i < lines.size(); i++) {
            JsonNode flags = Json.MAPPER.readTree(lines.get(i)).get("passed_lst");
            n[i] = flags.size();
            for (JsonNode f : flags) c[i] += f.asBoolean() ? 1 : 0;
        }
        // paper.md §8: pass@1 0.85%, pass@10 6.99%, pass@20 12.03% over the 6974 records.
        assertEquals(0.0085, PassAtK.mean(n, c, 1), 0.00005);
        assertEquals(0.0699, PassAtK.mean(n, c, 10), 0.00005);
        assertEquals(0.1203, PassAtK.mean(n, c, 20), 0.00005);
    }
}
