package dev.muxlab.lab.server;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muxlab.lab.Json;
import dev.muxlab.lab.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The blocking models when no thread can be created, for real: {@code muxlab serve} runs in a
 * child JVM placed in a cgroup of its own whose pids.max (threads count) is lowered to the
 * threads it has once it listens. The blocking model then cannot start a thread for a new
 * connection: it closes that connection, says so once on stderr, counts each refusal, and keeps
 * serving the connections it has; once they close (their threads exit) it serves new ones
 * again. The threadpool model started its workers with the server, so the same limit costs it
 * nothing.
 * <p>
 * Needs a writable cgroup v1 pids hierarchy (root, /sys/fs/cgroup/pids): skipped otherwise, as
 * RLIMIT_NPROC does not bind root and counts every process of a user.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ThreadLimitTest {
    static final Path PIDS = Path.of("/sys/fs/cgroup/pids");

    /** A child {@code muxlab serve} in a pids cgroup of its own. */
    static final class Child implements java.io.Closeable {
        final Process p;
        final Path cgroup;
        final Path err;
        final int port;

        Child(Path tmp, String model, String... extra) throws Exception {
            assumeTrue(Files.isWritable(PIDS.resolve("cgroup.procs")),
                    "needs a writable cgroup v1 pids hierarchy at " + PIDS);
            cgroup = PIDS.resolve("muxlab-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
            Files.createDirectory(cgroup);
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            String lib = System.getProperty("muxlab.library.path");
            if (lib != null) {
                cmd.add("-Dmuxlab.library.path=" + lib);
            }
            cmd.addAll(List.of("-Xss256k", "-XX:CICompilerCount=2", "-cp", System.getProperty("java.class.path"),
                    Main.class.getName(), "serve", "--model", model, "--proto", "echo", "--format", "json",
                    "--port", "0", "--quiet", "--idle-timeout", "0", "--stats-interval", "0"));
            cmd.addAll(List.of(extra));
            Path out = tmp.resolve("out");
            err = tmp.resolve("err");
            p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(p.pid()));
            int found = -1;
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (found < 0 && System.nanoTime() < deadline) {
                for (String line : Files.readAllLines(out)) {
                    JsonNode ev = Json.tree(line);
                    if (ev.path("event").asText().equals("listening")) {
                        found = ev.path("port").asInt();
                    }
                }
                if (found < 0) {
                    assertTrue(p.isAlive(), "the child server exited: " + Files.readString(err));
                    Thread.sleep(50);
                }
            }
            assertTrue(found > 0, "the child server did not start: " + Files.readString(err));
            port = found;
            Thread.sleep(500); // let the JVM's own threads settle
        }

        /** Allows the cgroup only as many threads as it has now, plus {@code more}. */
        void limitThreads(int more) throws IOException {
            long now = Long.parseLong(Files.readString(cgroup.resolve("pids.current")).trim());
            Files.writeString(cgroup.resolve("pids.max"), Long.toString(now + more));
        }

        void unlimit() throws IOException {
            Files.writeString(cgroup.resolve("pids.max"), "max");
        }

        long refusedByTheLimit() throws IOException {
            String ev = Files.readString(cgroup.resolve("pids.events")); // "max N"
            return Long.parseLong(ev.trim().split("\\s+")[1]);
        }

        @Override
        public void close() throws IOException {
            try {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
                for (int i = 0; i < 100 && Files.exists(cgroup); i++) {
                    try {
                        Files.delete(cgroup); // a cgroup directory goes once its tasks are gone
                    } catch (IOException e) {
                        Thread.sleep(50);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void echoes(TestClient c, String b) throws IOException {
        c.send(b);
        assertEquals(b, new String(c.recv(b.length(), 5000), StandardCharsets.US_ASCII));
    }

    private static long linesContaining(Path file, String s) throws IOException {
        return Files.readAllLines(file).stream().filter(l -> l.contains(s)).count();
    }

    @Test
    void blockingRefusesWhatItCannotGiveAThreadAndKeepsServing(@TempDir Path tmp) throws Exception {
        List<TestClient> served = new ArrayList<>();
        List<TestClient> refused = new ArrayList<>();
        try (Child c = new Child(tmp, "blocking")) {
            c.limitThreads(2);
            // connect until the server closes one: it could not start its thread
            TestClient last = null;
            for (int i = 0; i < 20 && last == null; i++) {
                TestClient t = new TestClient(c.port);
                t.send("x");
                byte[] got = null;
                try {
                    got = t.recv(1, 3000);
                } catch (IOException e) {
                    // closed by the server: EOF before the echo
                }
                if (got != null && got.length == 1) {
                    served.add(t);
                } else {
                    assertTrue(t.closedByPeer(3000), "connection " + i + ": neither echoed nor closed");
                    last = t;
                }
            }
            assertNotNull(last, "the thread limit refused no connection");
            refused.add(last);
            assertTrue(c.refusedByTheLimit() >= 1, "the cgroup refused a thread");
            for (int i = 0; i < 3; i++) { // more while it lasts: closed too, and not reported again
                TestClient t = new TestClient(c.port);
                assertTrue(t.closedByPeer(5000), "refusal " + (i + 2) + " closed");
                refused.add(t);
            }
            // the connections it had are still served
            for (TestClient t : served) {
                echoes(t, "still here");
            }
            assertEquals(1, linesContaining(c.err, "cannot start a thread"), Files.readString(c.err));
            // the acceptor went on: with the limit lifted, new connections are served again
            c.unlimit();
            try (TestClient again = new TestClient(c.port)) {
                echoes(again, "again");
            }
        } finally {
            served.forEach(TestClient::close);
            refused.forEach(TestClient::close);
        }
    }

    @Test
    void threadpoolStartedItsWorkersAndNeedsNoThreadToServe(@TempDir Path tmp) throws Exception {
        List<TestClient> clients = new ArrayList<>();
        try (Child c = new Child(tmp, "threadpool", "--pool-size", "4")) {
            c.limitThreads(0);
            for (int round = 0; round < 3; round++) { // 3 x 4 connections through the 4 workers
                for (int i = 0; i < 4; i++) {
                    clients.add(new TestClient(c.port));
                }
                for (TestClient t : clients) {
                    echoes(t, "r" + round);
                }
                clients.forEach(TestClient::close);
                clients.clear();
            }
            assertEquals(0, linesContaining(c.err, "cannot start a thread"), Files.readString(c.err));
        } finally {
            clients.forEach(TestClient::close);
        }
    }
}
