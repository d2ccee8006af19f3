package dev.muxlab.lab.testutil;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.TreeMap;

/**
 * Leak checks from /proc/self/fd. Counting fds is not enough in a shared test JVM: another
 * test's late cleanup (a Cleaner, a daemon thread) may close an fd meanwhile and hide a leak, or
 * the JVM may open a jar lazily. So a check compares fd number and target, and reports the fds
 * that a step opened and left open, ignoring the JVM's own jars and libraries.
 */
public final class OpenFds {
    private OpenFds() {
    }

    /** fd number -> what it refers to (socket:[ino], anon_inode:[eventfd], a path...). */
    public static Map<Integer, String> snapshot() {
        Map<Integer, String> m = new TreeMap<>();
        File[] entries = new File("/proc/self/fd").listFiles();
        if (entries != null) {
            for (File e : entries) {
                try {
                    m.put(Integer.parseInt(e.getName()), Files.readSymbolicLink(e.toPath()).toString());
                } catch (IOException | NumberFormatException ignored) {
                    // gone meanwhile (e.g. the listing's own fd)
                }
            }
        }
        return m;
    }

    /** The fds open now that were not open (with the same target) in {@code before}. */
    public static Map<Integer, String> openedSince(Map<Integer, String> before) {
        Map<Integer, String> d = snapshot();
        d.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())) || jvmOwn(e.getValue()));
        return d;
    }

    /** Fails if anything opened since {@code before} is still open. */
    public static void assertNoneLeaked(Map<Integer, String> before, String what) {
        Map<Integer, String> leaked = openedSince(before);
        if (!leaked.isEmpty()) {
            fail(what + ": fds left open " + leaked);
        }
    }

    private static boolean jvmOwn(String target) {
        return target.endsWith(".jar") || target.endsWith(".so") || target.endsWith("/modules")
                || target.contains("/jre/") || target.contains("/jvm/");
    }
}
