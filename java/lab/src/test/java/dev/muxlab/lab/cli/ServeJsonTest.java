package dev.muxlab.lab.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muxlab.lab.Json;
import dev.muxlab.lab.server.ServerStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --format json}: JSON Lines on stdout, the shape the lab's child-process driver and
 * the scripts read: listening once ready, stats per --stats-interval, stopped on exit, each
 * stats object with every counter of {@link ServerStats}, zeros included.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServeJsonTest {

    /** The JSON names of every counter field of ServerStats, derived from the field names. */
    private static Set<String> counterNames() {
        Set<String> names = new TreeSet<>();
        for (Field f : ServerStats.class.getFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                names.add(f.getName().replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT)
                        .replace("fd_set_size", "fd_setsize"));
            }
        }
        return names;
    }

    private static void assertEveryCounter(JsonNode stats, String where) {
        assertTrue(stats.isObject(), where);
        Set<String> got = new TreeSet<>();
        stats.fieldNames().forEachRemaining(got::add);
        assertEquals(counterNames(), got, "every counter: " + where);
        stats.forEach(v -> assertTrue(v.isIntegralNumber(), "raw integers: " + where));
    }

    @Test
    void snapshotHoldsEveryCounterZerosIncluded() {
        ServerStats s = new ServerStats();
        assertEquals(counterNames(), new TreeSet<>(s.snapshot().keySet()));
        assertTrue(s.snapshot().values().stream().allMatch(v -> v == 0));
    }

    @Test
    void inProcessListeningStatsAndStoppedLines() throws Exception {
        PrintStream oldOut = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        CompletableFuture<Integer> rc;
        byte[] msg = "hello, json lines".getBytes(StandardCharsets.US_ASCII);
        try {
            rc = CompletableFuture.supplyAsync(() -> Main.run("serve", "--format", "json", "--port", "0", "--quiet",
                    "--duration", "1500ms", "--stats-interval", "300ms"));
            int port = -1;
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (port < 0) {
                String text = buf.toString(StandardCharsets.UTF_8);
                if (text.contains("\n")) {
                    port = Json.tree(text.substring(0, text.indexOf('\n'))).path("port").asInt(-1);
                    assertTrue(port > 0, text);
                } else if (System.nanoTime() > deadline || rc.isDone()) {
                    fail("no listening line: " + text);
                } else {
                    Thread.sleep(10);
                }
            }
            try (Socket c = new Socket(InetAddress.getLoopbackAddress(), port)) {
                c.setSoTimeout(5000);
                OutputStream o = c.getOutputStream();
                o.write(msg);
                o.flush();
                InputStream in = c.getInputStream();
                byte[] back = in.readNBytes(msg.length);
                assertArrayEquals(msg, back);
            }
            assertEquals(0, rc.get(20, TimeUnit.SECONDS));
        } finally {
            System.setOut(oldOut);
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String l : buf.toString(StandardCharsets.UTF_8).split("\n")) {
            lines.add(Json.tree(l)); // every line is one JSON object
        }
        JsonNode first = lines.get(0);
        assertEquals("listening", first.path("event").asText(), first.toString());
        assertEquals("127.0.0.1", first.path("address").asText(), first.toString());
        assertEquals("epoll-et", first.path("model").asText(), first.toString());
        assertEquals("echo", first.path("proto").asText(), first.toString());
        assertEquals(System.getProperty("java.version"), first.path("jdk").asText(), "the JDK that runs it: " + first);
        assertTrue(first.path("port").isInt(), first.toString());
        assertEquals(dev.muxlab.Binding.name(), first.path("binding").asText(), "the binding it runs on: " + first);
        JsonNode last = lines.get(lines.size() - 1);
        assertEquals("stopped", last.path("event").asText(), last.toString());
        assertEveryCounter(last.path("stats"), last.toString());
        assertEquals(1, last.path("stats").path("accepted").asLong(), last.toString());
        assertEquals(msg.length, last.path("stats").path("bytes_in").asLong(), last.toString());
        assertEquals(0, last.path("stats").path("resets").asLong(-1), "zeros are there: " + last);
        List<JsonNode> stats = lines.subList(1, lines.size() - 1);
        assertTrue(stats.size() >= 2, "about one stats line per 300 ms of 1.5 s: " + lines);
        for (JsonNode s : stats) {
            assertEquals("stats", s.path("event").asText(), s.toString());
            assertEveryCounter(s.path("stats"), s.toString());
            assertTrue(s.path("heap_used").isIntegralNumber() && s.path("heap_used").asLong() > 0,
                    "the heap in use: " + s);
        }
    }

    /** As the lab runs it: a child JVM, stopped by SIGTERM, prints its stopped line from the shutdown hook. */
    @Test
    void childStoppedBySigtermPrintsItsCounters(@TempDir Path tmp) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String lib = System.getProperty("muxlab.library.path");
        if (lib != null) {
            cmd.add("-Dmuxlab.library.path=" + lib);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve",
                "--format", "json", "--port", "0", "--model", "poll", "--proto", "http", "--quiet"));
        Path out = tmp.resolve("serve.out");
        Path err = tmp.resolve("serve.err");
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (Files.readString(out).indexOf('\n') < 0) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    fail("no listening line; stderr: " + Files.readString(err));
                }
                Thread.sleep(20);
            }
            JsonNode first = Json.tree(Files.readAllLines(out).get(0));
            assertEquals("listening", first.path("event").asText(), first.toString());
            assertEquals("poll", first.path("model").asText(), first.toString());
            assertEquals("http", first.path("proto").asText(), first.toString());
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "stopped on SIGTERM");
        } finally {
            p.destroyForcibly();
        }
        List<String> lines = Files.readAllLines(out);
        assertEquals(2, lines.size(), String.join("\n", lines));
        JsonNode last = Json.tree(lines.get(1));
        assertEquals("stopped", last.path("event").asText(), last.toString());
        assertEveryCounter(last.path("stats"), last.toString());
        assertFalse(Files.readString(err).contains("Exception"), Files.readString(err));
    }
}
