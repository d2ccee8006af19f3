package dev.muxlab.lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.muxlab.lab.Proto;
import dev.muxlab.lab.load.LoadConfig;
import dev.muxlab.lab.server.Model;
import dev.muxlab.lab.server.ServerConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** serve's and load's options: one duration syntax, unambiguous names, fixed sets, one-line errors. */
class CliOptionsTest {

    /** {exit code, stdout, stderr} of the CLI. */
    private static Object[] cli(String... args) {
        return RunCommandTest.cli(args);
    }

    /** Exit 2 with one line on stderr, starting "muxlab: " and containing each fragment; returns it. */
    private static String usageError(String[] args, String... fragments) {
        Object[] r = cli(args);
        String err = ((String) r[2]).strip();
        String what = String.join(" ", args) + " -> " + err;
        assertEquals(2, r[0], what);
        assertEquals(1, err.lines().count(), "one line: " + what);
        assertTrue(err.startsWith("muxlab: "), what);
        assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace: " + what);
        for (String f : fragments) {
            assertTrue(err.contains(f), "'" + f + "' in " + what);
        }
        return err;
    }

    private static ServerConfig serve(String... args) {
        ServeCommand cmd = new ServeCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.config();
    }

    private static LoadConfig load(String... args) {
        LoadCommand cmd = new LoadCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.config();
    }

    @Test
    void everyTimeOptionTakesTheSameSyntax() {
        ServerConfig s = serve("--idle-timeout", "1.5s", "--header-timeout", "250ms");
        assertEquals(1500, s.idleTimeoutMillis);
        assertEquals(250, s.headerTimeoutMillis);
        ServerConfig off = serve("--idle-timeout", "0", "--header-timeout", "0");
        assertEquals(0, off.idleTimeoutMillis);
        assertEquals(0, off.headerTimeoutMillis);
        ServerConfig defaults = serve();
        assertEquals(60_000, defaults.idleTimeoutMillis);
        assertEquals(10_000, defaults.headerTimeoutMillis);

        LoadConfig l = load("--duration", "2m", "--warmup", "1.5s", "--connect-timeout", "500ms",
                "--slow-interval", "20ms");
        assertEquals(120_000, l.durationMillis);
        assertEquals(1500, l.warmupMillis);
        assertEquals(500, l.connectTimeoutMillis);
        assertEquals(20, l.slowIntervalMillis);
        LoadConfig ld = load();
        assertEquals(10_000, ld.durationMillis);
        assertEquals(0, ld.warmupMillis);
        assertEquals(5_000, ld.connectTimeoutMillis);
        assertEquals(100, ld.slowIntervalMillis);
    }

    @Test
    void aBareNumberOrANegativeTimeIsABadUsageNamingTheOption() {
        String[][] serve = {{"--duration", "10"}, {"--stats-interval", "5"}, {"--idle-timeout", "60000"},
            {"--header-timeout", "10000"}};
        for (String[] a : serve) {
            usageError(new String[] {"serve", a[0], a[1]}, a[0] + " needs a unit, e.g. 10s or 500ms: '" + a[1] + "'");
        }
        String[][] load = {{"--duration", "10"}, {"--warmup", "2"}, {"--connect-timeout", "5"},
            {"--slow-interval", "100"}};
        for (String[] a : load) {
            usageError(new String[] {"load", a[0], a[1]}, a[0] + " needs a unit, e.g. 10s or 500ms: '" + a[1] + "'");
        }
        usageError(new String[] {"serve", "--stats-interval", "-1s"}, "--stats-interval must not be negative");
        usageError(new String[] {"load", "--warmup", "soon"}, "--warmup must be a number with a unit");
        usageError(new String[] {"serve", "--idle-timeout", "10us"}, "--idle-timeout must be 0 or at least 1ms: 10us");
    }

    @Test
    void renamedOptions() {
        assertEquals(3, serve("--pool-size", "3").poolThreads);
        assertEquals(4, load("--loops", "4").threads);
        usageError(new String[] {"serve", "--threads", "3"}, "'--threads'", "now --pool-size", "muxlab serve --help");
        usageError(new String[] {"load", "--threads", "3"}, "'--threads'", "now --loops", "muxlab load --help");
        usageError(new String[] {"serve", "--pool-size", "0"}, "--pool-size must be in [1, 100000]: 0");
        usageError(new String[] {"load", "--loops", "0"}, "--loops must be in [1, 256]: 0");
        usageError(new String[] {"serve", "--loops", "2", "--model", "blocking"}, "--loops applies to the reactor");
    }

    @Test
    void fixedSetsAreEnumsAndBadValuesNameTheAllowedOnes() {
        ServerConfig s = serve("--model", "poll", "--proto", "http");
        assertEquals(Model.POLL, s.model);
        assertEquals(Proto.HTTP, s.proto);
        assertEquals(Proto.HTTP, load("--proto", "http").proto);
        usageError(new String[] {"serve", "--model", "kqueue"},
                "unknown --model 'kqueue' (allowed: blocking, threadpool, nonblocking, select, poll, epoll-lt, epoll-et,"
                + " sigio, uring, nio, virtual)");
        usageError(new String[] {"serve", "--proto", "ftp"}, "unknown --proto 'ftp' (allowed: echo, http)");
        usageError(new String[] {"serve", "--format", "xml"}, "unknown --format 'xml' (allowed: text, json)");
        usageError(new String[] {"load", "--proto", "ftp"}, "unknown --proto 'ftp' (allowed: echo, http)");
        usageError(new String[] {"load", "--format", "yaml"}, "unknown --format 'yaml' (allowed: text, json)");
        usageError(new String[] {"serve", "--port", "x"}, "'--port'", "'x' is not an int");
        usageError(new String[] {"serve", "--port", "70000"}, "--port must be in [0, 65535]: 70000");
        usageError(new String[] {"serve", "--bind", "example.org"},
                "--bind must be an IPv4 address or localhost: 'example.org'");
    }

    @Test
    void helpListsTheAllowedValuesAndTheNewNames() {
        Object[] r = cli("serve", "--help");
        assertEquals(0, r[0]);
        String help = ((String) r[1]).replaceAll("\\s+", " "); // as one line, whatever the wrapping
        for (String s : new String[] {"blocking, threadpool, nonblocking, select, poll, epoll-lt, epoll-et", "echo, http",
                "text, json", "--pool-size", "--loops", "--stats-interval=TIME", "--idle-timeout=TIME",
                "--header-timeout=TIME", "--duration=TIME", "(default: 60s)", "JSON Lines"}) {
            assertTrue(help.contains(s), s + " in " + help);
        }
        assertFalse(help.contains("--threads"), help);
    }

    @Test
    void versionFromTheManifestOrDevFromClasses() {
        Object[] r = cli("--version");
        assertEquals(0, r[0]);
        assertTrue(((String) r[1]).startsWith("muxlab dev (commit unknown)"), (String) r[1]);
        Object[] sub = cli("serve", "--version");
        assertTrue(((String) sub[1]).startsWith("muxlab dev (commit unknown)"), (String) sub[1]);
        assertEquals("muxlab 0.1.0 (commit 1a2b3c4)", VersionProvider.describe("0.1.0", "1a2b3c4"));
        assertEquals("muxlab 0.1.0 (commit unknown)", VersionProvider.describe("0.1.0", null));
        assertEquals("muxlab dev (commit unknown)", VersionProvider.describe(null, " "));
        assertEquals(null, VersionProvider.manifest(Main.class), "run from target/classes: no manifest");
    }
}
