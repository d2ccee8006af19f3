package dev.muxlab.lab.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

/** Threads of this JVM found by name in /proc, and their sleeps counted by the kernel. */
class ProcThreadsTest {

    @Test
    void findsAThreadByNameAndCountsItsSleeps() throws Exception {
        long pid = ProcessHandle.current().pid();
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch slept = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try {
                go.await();
                for (int i = 0; i < 20; i++) {
                    Thread.sleep(1); // each sleep gives up the CPU: a voluntary context switch
                }
                slept.countDown();
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                // the test is over
            }
        }, "muxlab-probe-thread-0");
        t.setDaemon(true);
        t.start();
        try {
            List<Long> tids = List.of();
            for (int i = 0; i < 100 && tids.isEmpty(); i++) {
                tids = ProcThreads.named(pid, "muxlab-probe-thread-");
                Thread.sleep(5);
            }
            assertEquals(1, tids.size(), "the name is cut to 15 characters, as /proc shows it");
            assertEquals(0, ProcThreads.count(pid, "muxlab-no-such-thread"));
            long before = ProcThreads.voluntarySwitches(pid, tids);
            go.countDown();
            slept.await();
            long after = ProcThreads.voluntarySwitches(pid, tids);
            assertTrue(before >= 0 && after - before >= 20, "20 sleeps: " + before + " -> " + after);
            assertEquals(-1, ProcThreads.voluntarySwitches(pid, List.of(Long.MAX_VALUE)), "no such thread: -1");
        } finally {
            t.interrupt();
        }
    }
}
