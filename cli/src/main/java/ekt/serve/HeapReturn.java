package ekt.serve;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.ManagementFactory;

/**
 * Lets a server's Java heap shrink back after a burst (JEP 346): G1 collects every few seconds
 * while the server is idle and keeps little free heap committed. Without it the heap a burst grew
 * stays committed for the life of the process. Settings the JVM refuses (another collector) are
 * left as they are.
 */
final class HeapReturn {
    private HeapReturn() {
    }

    static void enable() {
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        set(vm, "G1PeriodicGCInterval", "2000");  // ms; a collection only when none ran for that long
        set(vm, "MinHeapFreeRatio", "10");
        set(vm, "MaxHeapFreeRatio", "30");
    }

    private static void set(HotSpotDiagnosticMXBean vm, String flag, String value) {
        try {
            vm.setVMOption(flag, value);
        } catch (RuntimeException e) {
            // not manageable under this JVM or collector: keep its default
        }
    }
}
