package dev.muxlab.lab;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import dev.muxlab.Backend;
import dev.muxlab.Events;
import dev.muxlab.Fds;
import dev.muxlab.Multiplexer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link EventLoop#defer}: work split into slices with IO served in between. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a blocked await fails, not hangs
class EventLoopTest {

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"SELECT", "POLL", "EPOLL"})
    void deferredWorkRunsAfterANonBlockingAwaitWithIoFirst(Backend backend) throws Exception {
        int[] sp = Fds.socketPair(true);
        try (EventLoop loop = new EventLoop(Multiplexer.open(backend), 16)) {
            List<String> order = new ArrayList<>();
            ByteBuffer buf = ByteBuffer.allocateDirect(16);
            loop.register(sp[0], Events.READ, (fd, ev) -> {
                buf.clear();
                try {
                    Fds.read(fd, buf);
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
                order.add("io");
            });
            // a three-slice job; each slice defers the next
            Runnable[] slice = new Runnable[1];
            int[] left = {3};
            slice[0] = () -> {
                order.add("slice" + left[0]);
                if (--left[0] > 0) {
                    loop.defer(slice[0]);
                }
            };
            loop.defer(slice[0]);
            // nothing is ready: with deferred work pending the await must not block
            assertEquals(0, loop.runOnce(-1));
            assertEquals(List.of("slice3"), order);
            // IO that became ready is dispatched before the next slice
            ByteBuffer one = ByteBuffer.allocateDirect(1);
            one.put(0, (byte) 7);
            Fds.write(sp[1], one);
            assertEquals(1, loop.runOnce(-1));
            assertEquals(List.of("slice3", "io", "slice2"), order);
            assertEquals(0, loop.runOnce(-1));
            assertEquals(List.of("slice3", "io", "slice2", "slice1"), order);
            // done: no deferred work left, so the await blocks again (bounded here by 50 ms)
            long t0 = System.nanoTime();
            assertEquals(0, loop.runOnce(50));
            assertTrue(System.nanoTime() - t0 >= 40_000_000L, "blocked for its timeout once nothing was deferred");
        } finally {
            Fds.closeQuietly(sp[0]);
            Fds.closeQuietly(sp[1]);
        }
    }
}
