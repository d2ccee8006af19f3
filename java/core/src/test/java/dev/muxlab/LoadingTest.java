package dev.muxlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the library loads, in a child JVM each time (class loading happens once per JVM): the
 * extracted copy is deleted at once, {@code muxlab.tmpdir} chooses where it goes, and where it
 * cannot load the first call says why as a plain {@link UnsatisfiedLinkError}.
 */
class LoadingTest {

    /** Child main: opens an epoll multiplexer and a socketpair, or prints the first failure, twice. */
    public static void main(String[] args) {
        for (int i = 0; i < 2; i++) {
            try (Multiplexer m = Multiplexer.create(Backend.EPOLL)) {
                int[] sp = Fds.socketPair();
                m.register(sp[0], Events.READ);
                Fds.close(sp[0]);
                Fds.close(sp[1]);
                System.out.println("ok");
            } catch (Throwable t) {
                System.out.println(t.getClass().getName() + ": " + t.getMessage());
            }
        }
    }

    /** The child's output lines, stdout then stderr; it must exit 0. */
    private static List<String> child(String... props) throws IOException, InterruptedException {
        JvmChild.Result r = JvmChild.run(LoadingTest.class, props);
        List<String> all = new ArrayList<>(r.out());
        all.addAll(r.err());
        assertEquals(0, r.exit(), all.toString());
        return all;
    }

    @Test
    void extractedLibraryIsDeletedAtOnceFromTheChosenFolder(@TempDir Path tmp) throws Exception {
        Path base = tmp.resolve("native-here");
        List<String> out = child("-Dmuxlab.tmpdir=" + base);
        assertEquals(List.of("ok", "ok"), out);
        assertTrue(Files.isDirectory(base), "muxlab.tmpdir was created");
        try (Stream<Path> left = Files.list(base)) {
            assertEquals(List.of(), left.toList(), "nothing left behind in " + base);
        }
    }

    @Test
    void unsupportedPlatformSaysWhyAsAPlainLinkError() throws Exception {
        List<String> out = child("-Dos.name=Darwin");
        assertEquals(2, out.size(), out.toString());
        for (String line : out) {
            assertTrue(line.startsWith("java.lang.UnsatisfiedLinkError: muxlab is Linux-only"), line);
            assertTrue(line.contains("Darwin"), line);
        }
    }

    @Test
    void missingOverrideSaysWhereItLooked(@TempDir Path tmp) throws Exception {
        List<String> out = child("-Dmuxlab.library.path=" + tmp.resolve("nowhere"));
        for (String line : out) {
            assertTrue(line.startsWith("java.lang.UnsatisfiedLinkError: muxlab.library.path="), line);
            assertTrue(line.contains("no libmuxlab.so there"), line);
        }
    }
}
