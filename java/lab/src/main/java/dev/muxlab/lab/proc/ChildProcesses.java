package dev.muxlab.lab.proc;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Child processes the lab starts (server JVMs, strace): every one still running when this JVM
 * exits is killed by a shutdown hook, so an interrupted experiment leaves no process behind.
 */
public final class ChildProcesses {
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    private static volatile boolean hookInstalled;

    private ChildProcesses() {
    }

    /** The java launcher of this JVM. */
    public static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Registers a process to be killed if this JVM exits while it runs. */
    public static void track(Process p) {
        if (!hookInstalled) {
            synchronized (LIVE) {
                if (!hookInstalled) {
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                        for (Process q : LIVE) {
                            q.destroyForcibly();
                        }
                    }, "muxlab-child-reaper"));
                    hookInstalled = true;
                }
            }
        }
        LIVE.add(p);
    }

    /** Stops a process: SIGTERM, then SIGKILL after {@code graceMillis}; waits for it to be gone. */
    public static void kill(Process p, long graceMillis) {
        try {
            if (p.isAlive()) {
                p.destroy();
                if (!p.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            if (!p.isAlive()) {
                LIVE.remove(p);
            }
        }
    }
}
