package dev.muxlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The binding in use is the one this test run asked for (Maven's runs set
 * {@code muxlab.test.binding}: jnr-ffi on JDK 17, ffm and jnr-ffi on a JDK 22+), so a silent
 * fallback fails here; the choice rules; and no JDK warning lines with the documented options.
 */
class BindingTest {
    private static final int FEATURE = Runtime.version().feature();

    /** Child main: the binding, then one native call through it. */
    public static void main(String[] args) throws Exception {
        System.out.println(Binding.name());
        System.out.println(Binding.describe());
        try (Multiplexer m = Multiplexer.create(Backend.EPOLL)) {
            int e = Fds.eventFd(1);
            m.register(e, Events.READ);
            ReadySet rs = new ReadySet(4);
            System.out.println(m.await(rs, 0) == 1 && rs.fd(0) == e ? "ok" : "wrong: " + rs);
            Fds.close(e);
        } catch (Throwable t) {
            System.out.println(t.getClass().getName() + ": " + t.getMessage());
        }
    }

    @Test
    void theBindingThisRunAskedForIsInUse() throws Exception {
        String expected = System.getProperty("muxlab.test.binding", FEATURE >= 22 ? "ffm" : "jnr-ffi");
        assertEquals(expected, Binding.name(), Binding.describe());
        assertTrue(Binding.describe().startsWith(expected + " ("), Binding.describe());
        // and it works: a native call through it
        assertTrue(Errno.EAGAIN > 0);
        assertEquals("EBADF", Errno.name(Errno.EBADF));
    }

    @Test
    void aChildChoosesLikeThisJvmAndPrintsNoWarnings() throws Exception {
        JvmChild.Result r = JvmChild.run(BindingTest.class);
        assertEquals(0, r.exit(), r.toString());
        assertEquals(Binding.name(), r.out().get(0), r.toString());
        assertEquals("ok", r.out().get(2), r.toString());
        // with the options this run has (scripts/muxlab's on 22+), the JDK has nothing to warn about
        assertEquals(List.of(), r.err(), "stderr of a child run with " + JvmChild.inherited());
    }

    @Test
    void anUnknownBindingSaysWhichOnesExist() throws Exception {
        JvmChild.Result r = JvmChild.run(BindingTest.class, "-Dmuxlab.binding=jni");
        assertEquals("none", r.out().get(0), r.toString());
        assertTrue(r.out().get(2).startsWith("java.lang.UnsatisfiedLinkError: muxlab.binding must be jnr or ffm"),
                r.toString());
    }

    @Test
    void jnrCanBeForcedAnywhere() throws Exception {
        JvmChild.Result r = JvmChild.run(BindingTest.class, "-Dmuxlab.binding=jnr");
        assertEquals(List.of("jnr-ffi", "jnr-ffi (chosen by -Dmuxlab.binding=jnr)", "ok"), r.out(), r.toString());
    }

    @Test
    void ffmBeforeJava22IsAClearError() throws Exception {
        assumeTrue(FEATURE < 22, "Java " + FEATURE + " has FFM");
        JvmChild.Result r = JvmChild.run(BindingTest.class, "-Dmuxlab.binding=ffm");
        assertEquals("none", r.out().get(0), r.toString());
        assertTrue(r.out().get(2).startsWith("java.lang.UnsatisfiedLinkError: muxlab.binding=ffm needs Java 22 or later"),
                r.toString());
    }

    /** FFM never touches jnr-ffi or jffi (whose loading and Unsafe use JDK 24+ warns about). */
    @Test
    void ffmLoadsNoJffi() throws Exception {
        assumeTrue("ffm".equals(Binding.name()), "this run uses " + Binding.name());
        JvmChild.Result r = JvmChild.run(BindingTest.class, "-Dmuxlab.binding=ffm", "-Xlog:class+load=info");
        assertTrue(r.out().contains("ok"), r.toString());
        List<String> jnr = r.out().stream().filter(l -> l.contains("com.kenai.jffi") || l.contains(" jnr.ffi")).toList();
        assertEquals(List.of(), jnr, "classes of jnr-ffi/jffi loaded under FFM");
        assertTrue(r.out().stream().anyMatch(l -> l.contains("dev.muxlab.FfmLib ")), "FfmLib was loaded");
    }
}
