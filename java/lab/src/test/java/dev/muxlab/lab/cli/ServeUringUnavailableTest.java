package dev.muxlab.lab.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.atomic.AtomicReference;

import dev.muxlab.Errno;
import dev.muxlab.Ring;
import dev.muxlab.UringDenial;
import org.junit.jupiter.api.Test;

/**
 * {@code serve --model uring} where io_uring is refused (a seccomp filter in the serving thread,
 * as container runtimes install; kernel.io_uring_disabled answers the same EPERM): one line on
 * stderr naming the cause, exit 3 (an environment problem), nothing on stdout; the other models
 * serve as before in the same thread.
 */
class ServeUringUnavailableTest {

    @Test
    void uringSaysWhyInOneLineAndExits3WhileOtherModelsServe() throws Exception {
        assertTrue(Ring.probe().available(), "io_uring works in this process (probed and cached here)");
        AtomicReference<Object[]> uring = new AtomicReference<>();
        AtomicReference<Object[]> epoll = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                UringDenial.denyForThisThread(Errno.EPERM);
                uring.set(RunCommandTest.cli("serve", "--model", "uring", "--port", "0", "--duration", "200ms"));
                epoll.set(RunCommandTest.cli("serve", "--model", "epoll-et", "--port", "0", "--duration", "200ms"));
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "uring-denied");
        t.start();
        t.join(30_000);
        assertFalse(t.isAlive());
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        Object[] r = uring.get();
        String err = ((String) r[2]).strip();
        assertEquals(3, r[0], "exit code; stderr: " + err);
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.startsWith("muxlab: model uring needs io_uring: "), err);
        assertTrue(err.contains("EPERM"), err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), err);
        assertEquals("", ((String) r[1]).strip(), "nothing on stdout");
        Object[] e = epoll.get();
        assertEquals(0, e[0], "epoll-et serves where io_uring is refused; stderr: " + e[2]);
        assertTrue(((String) e[1]).startsWith("listening on "), (String) e[1]);
    }
}
