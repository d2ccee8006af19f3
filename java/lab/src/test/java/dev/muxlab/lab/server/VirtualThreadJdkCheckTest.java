package dev.muxlab.lab.server;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.muxlab.lab.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The virtual model on a JDK older than 21 (the build's default JDK 17): one clear line and exit
 * code 3, the other models unaffected; and the JDK found under /usr/lib/jvm that the line suggests.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VirtualThreadJdkCheckTest {

    @Test
    void serveModelVirtualOnAnOlderJdkSaysSoInOneLineAndExits3(@TempDir Path tmp) throws Exception {
        assumeTrue(Runtime.version().feature() < VirtualThreadServer.MIN_FEATURE,
                "this JVM has virtual threads: VirtualThreadServerTest covers the model");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String lib = System.getProperty("muxlab.library.path");
        if (lib != null) {
            cmd.add("-Dmuxlab.library.path=" + lib);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve",
                "--model", "virtual", "--port", "0"));
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "exits at once");
        } finally {
            p.destroyForcibly();
        }
        List<String> errLines = Files.readAllLines(err);
        assertEquals(3, p.exitValue(), String.join("\n", errLines));
        assertEquals("", Files.readString(out), "nothing on stdout (no listening line)");
        assertEquals(1, errLines.size(), "one line: " + errLines);
        String line = errLines.get(0);
        String version = System.getProperty("java.version");
        assertTrue(line.startsWith("muxlab: model virtual needs JDK 21 or later; this JVM is " + version
                + " (set JAVA_HOME to a JDK 21+"), line);
        String newer = Jdks.newest(21);
        assertEquals("muxlab: " + VirtualThreadServer.needsNewerJdk(version, newer), line);
        if (newer != null) {
            assertTrue(line.endsWith(", e.g. " + newer + ")"), line);
        }
    }

    @Test
    void inProcessTheModelIsRefusedAndTheOthersStillServe() throws Exception {
        assumeTrue(Runtime.version().feature() < VirtualThreadServer.MIN_FEATURE, "this JVM has virtual threads");
        Server v = Server.create(TestServers.quiet(Model.VIRTUAL, dev.muxlab.lab.Proto.ECHO));
        IOException e = assertThrows(VirtualThreadServer.UnsupportedJdkException.class, v::start);
        assertTrue(e.getMessage().startsWith("model virtual needs JDK 21 or later"), e.getMessage());
        v.close(); // a server that never started closes quietly
        new ServerEndToEndTest().echoesEveryByteOnSeveralConnections(Model.NIO);
    }

    @Test
    void theMessage() {
        assertEquals("model virtual needs JDK 21 or later; this JVM is 17.0.15 (set JAVA_HOME to a JDK 21+,"
                + " e.g. /usr/lib/jvm/temurin-25-jdk-amd64)",
                VirtualThreadServer.needsNewerJdk("17.0.15", "/usr/lib/jvm/temurin-25-jdk-amd64"));
        assertEquals("model virtual needs JDK 21 or later; this JVM is 17.0.2 (set JAVA_HOME to a JDK 21+)",
                VirtualThreadServer.needsNewerJdk("17.0.2", null));
    }

    @Test
    void newestJdkFromTheReleaseFiles(@TempDir Path root) throws IOException {
        jdk(root, "java-17-openjdk-amd64", "17.0.15", true);
        jdk(root, "temurin-21-jdk-amd64", "21.0.6", true);
        jdk(root, "temurin-25-jdk-amd64", "25.0.1", true);
        jdk(root, "jdk-26-no-java", "26", false); // a release file but no bin/java
        Files.createDirectories(root.resolve("openjdk-17")); // no release file (Debian's shared files)
        Files.writeString(Files.createDirectories(root.resolve("garbled")).resolve("release"), "JAVA_VERSION=\"x\"\n");
        assertEquals(root.resolve("temurin-25-jdk-amd64").toString(), Jdks.newest(root, 21));
        assertEquals(root.resolve("temurin-25-jdk-amd64").toString(), Jdks.newest(root, 17));
        assertNull(Jdks.newest(root, 26));
        assertNull(Jdks.newest(root.resolve("absent"), 17));
        assertEquals(Runtime.Version.parse("21.0.6"), Jdks.version(root.resolve("temurin-21-jdk-amd64")));
    }

    private static void jdk(Path root, String name, String version, boolean java) throws IOException {
        Path home = Files.createDirectories(root.resolve(name));
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"x\"\nJAVA_VERSION=\"" + version
                + "\"\nJAVA_VERSION_DATE=\"2025-01-01\"\n");
        if (java) {
            Path bin = Files.createDirectories(home.resolve("bin"));
            Files.writeString(bin.resolve("java"), "#!/bin/sh\n");
            Files.setPosixFilePermissions(bin.resolve("java"), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }
}
