package dev.muxlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The public constants against the C headers, and their rendering. */
class EventsTest {

    @Test
    void eventBitsEqualTheKernelsValues() {
        assertEquals(Native.EPOLLIN, Events.READ);
        assertEquals(Native.POLLIN, Events.READ);
        assertEquals(Native.EPOLLPRI, Events.PRI);
        assertEquals(Native.EPOLLOUT, Events.WRITE);
        assertEquals(Native.POLLOUT, Events.WRITE);
        assertEquals(Native.EPOLLERR, Events.ERR);
        assertEquals(Native.EPOLLHUP, Events.HUP);
        assertEquals(Native.POLLNVAL, Events.NVAL);
        assertEquals(Native.EPOLLRDHUP, Events.RDHUP);
        assertEquals(Native.POLLRDHUP, Events.RDHUP);
        assertEquals(Native.EPOLLEXCLUSIVE, Events.EXCLUSIVE);
        assertEquals(Native.EPOLLONESHOT, Events.ONESHOT);
        assertEquals(Native.EPOLLET, Events.EDGE);
        assertEquals(Integer.MIN_VALUE, Events.EDGE);
    }

    @Test
    void toStringNamesEveryBit() {
        assertEquals("0", Events.toString(0));
        assertEquals("READ", Events.toString(Events.READ));
        assertEquals("READ|HUP", Events.toString(Events.HUP | Events.READ));
        assertEquals("READ|PRI|WRITE|ERR|HUP|NVAL|RDHUP|EXCLUSIVE|ONESHOT|EDGE",
                Events.toString(Events.READ | Events.PRI | Events.WRITE | Events.ERR | Events.HUP | Events.NVAL
                        | Events.RDHUP | Events.EXCLUSIVE | Events.ONESHOT | Events.EDGE));
        assertEquals("WRITE|0x100", Events.toString(Events.WRITE | 0x100));
        assertEquals("0x40000", Events.toString(0x40000));
    }

    @Test
    void errnoNamesAndTexts() {
        assertEquals("EBADF", Native.errnoName(Errno.EBADF));
        assertEquals("EMFILE", Native.errnoName(Errno.EMFILE));
        assertEquals("EFDSETSIZE", Native.errnoName(Native.EFDSETSIZE));
        assertEquals("E99999", Native.errnoName(99999));
        assertEquals("E0", Native.errnoName(0));
        assertTrue(Native.errnoText(Errno.ENOENT).toLowerCase().contains("no such file"));
        NativeException e = new NativeException(Errno.EEXIST, "x");
        assertEquals(Errno.EEXIST, e.errno());
        assertEquals("EEXIST", e.errnoName());
        assertEquals(Errno.EINTR, 4);
        assertEquals(9, Errno.EBADF);
        assertNull(Native.LIB.mux_errno_name(-1));
    }

    @Test
    void fdSetSizeExceptionDescribesTheLimit() {
        FdSetSizeException e = new FdSetSizeException(1500, "SELECT register");
        assertEquals(1500, e.fd());
        assertEquals(1024, e.limit());
        assertEquals("EFDSETSIZE", e.errnoName());
        assertTrue(e.getMessage().contains("1500") && e.getMessage().contains("1024"), e.getMessage());
        assertTrue(e instanceof NativeException);
    }
}
