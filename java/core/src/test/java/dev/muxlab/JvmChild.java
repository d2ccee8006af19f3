package dev.muxlab;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM like this one (same java, class path, binding and native-access options), for
 * what happens once per JVM: loading the library, choosing the binding, the JDK's warnings.
 */
final class JvmChild {
    /** What a child printed: stdout and stderr apart, and its exit code. */
    record Result(int exit, List<String> out, List<String> err) {
    }

    private JvmChild() {
    }

    /** Runs {@code main} in a child JVM with extra JVM options {@code opts}. */
    static Result run(Class<?> main, String... opts) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.addAll(inherited());
        String binding = System.getProperty("muxlab.binding");
        if (binding != null) {
            cmd.add("-Dmuxlab.binding=" + binding);
        }
        cmd.addAll(List.of(opts)); // after: a test's own -Dmuxlab.binding wins
        cmd.add(main.getName());
        Path err = Files.createTempFile("muxlab-child", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child did not finish: " + out);
            return new Result(p.exitValue(), lines(out), lines(Files.readString(err)));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    /** This JVM's options that decide the JDK's warnings, for the child to run alike. */
    static List<String> inherited() {
        List<String> opts = new ArrayList<>();
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--enable-native-access") || a.startsWith("--sun-misc-unsafe-memory-access")) {
                opts.add(a);
            }
        }
        return opts;
    }

    private static List<String> lines(String s) {
        String t = s.strip();
        return t.isEmpty() ? List.of() : List.of(t.split("\n"));
    }
}
