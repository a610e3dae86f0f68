package ekt.pipeline;

import ekt.core.Placement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A config's per-role devices: defaults, YAML, the commands' overrides, what training refuses. */
class RunConfigDevicesTest {
    static final String BASE = "data: {train: t.jsonl, test: s.jsonl}\nteacher: {kind: engine, model: teacher}\nstudent: {model: student}\n";

    static RunConfig load(Path dir, String yaml) throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, BASE + yaml);
        return RunConfig.load(f);
    }

    @Test
    void rolesDefaultToTheCpuInFloat32AndReadFromYaml(@TempDir Path dir) throws Exception {
        RunConfig.Devices d = load(dir, "").devices();
        assertEquals(Placement.CPU, d.teacher());
        assertEquals(Placement.CPU, d.student());
        assertEquals(Placement.CPU, d.evaluation());
        d = load(dir, "devices: {teacher: {device: 'cuda:1', dtype: bf16}, student: {device: cuda}}\n").devices();
        assertEquals(new Placement("cuda:1", "bfloat16"), d.teacher());
        assertEquals(new Placement("cuda", "float32"), d.student());
        assertEquals(Placement.CPU, d.evaluation());
    }

    @Test
    void overridesReplaceOnlyWhatIsGiven(@TempDir Path dir) throws Exception {
        RunConfig c = load(dir, "devices: {teacher: {device: cuda, dtype: bfloat16}}\n");
        RunConfig.Devices d = c.devices().override(null, "float32");
        assertEquals(new Placement("cuda", "float32"), d.teacher());
        assertEquals(Placement.CPU, d.student());
        d = c.devices().override("cuda:0", null);
        assertEquals(new Placement("cuda:0", "bfloat16"), d.teacher());
        assertEquals(new Placement("cuda:0", "float32"), d.evaluation());
        assertEquals(d, c.withDevices(d).devices());
    }

    @Test
    void badNamesAndFloat16TrainingAreRejectedWhenTheConfigLoads(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load(dir, "devices: {student: {device: cuda, dtype: float16}}\n"));
        assertTrue(e.getMessage().contains("float16"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> load(dir, "devices: {teacher: {device: tpu}}\n"));
        assertTrue(e.getMessage().contains("unknown device 'tpu'"), e.getMessage());
    }
}
