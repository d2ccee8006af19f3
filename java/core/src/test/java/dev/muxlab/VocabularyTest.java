package dev.muxlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** One name per mechanism and per errno: Backend and Trigger ids, Errno read from C, NativeException.is. */
class VocabularyTest {

    @Test
    void backendIdsRoundTrip() {
        assertEquals("select-wide", Backend.SELECT_WIDE.id());
        for (Backend b : Backend.values()) {
            assertEquals(b, Backend.fromId(b.id()));
            assertEquals(b, Backend.fromId(b.name()));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backend.fromId("kqueue"));
        assertTrue(e.getMessage().contains("select, select-wide, poll, epoll"), e.getMessage());
        assertTrue(Backend.EPOLL.hasTriggers());
        assertFalse(Backend.POLL.hasTriggers());
    }

    @Test
    void triggerIdsAndFlags() {
        assertEquals(Trigger.LEVEL, Trigger.fromId("lt"));
        assertEquals(Trigger.EDGE, Trigger.fromId("et"));
        assertEquals(Trigger.EDGE, Trigger.fromId("edge"));
        assertEquals(0, Trigger.LEVEL.flags());
        assertEquals(Events.EDGE, Trigger.EDGE.flags());
        assertThrows(IllegalArgumentException.class, () -> Trigger.fromId("oneshot"));
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void createOpensEveryBackendAndReportsIt(Backend b) throws NativeException {
        try (Multiplexer m = Multiplexer.create(b)) {
            assertEquals(b, m.backend());
        }
        try (Multiplexer m = Multiplexer.open(b)) {
            assertEquals(b, m.backend());
        }
    }

    @Test
    void openWideSelectIsTheSelectWideBackend() {
        try (Multiplexer m = Multiplexer.openWideSelect()) {
            assertEquals(Backend.SELECT_WIDE, m.backend());
            assertEquals(Integer.MAX_VALUE, m.fdLimit());
        }
    }

    /** Every public errno constant is the C library's value for the errno its field is named after. */
    @Test
    void everyErrnoConstantComesFromCByItsName() throws IllegalAccessException {
        Set<Integer> seen = new HashSet<>();
        int count = 0;
        for (Field f : Errno.class.getFields()) {
            if (!Modifier.isStatic(f.getModifiers()) || f.getType() != int.class) {
                continue;
            }
            int v = f.getInt(null);
            assertTrue(v > 0, f.getName() + " = " + v);
            assertEquals(f.getName(), Errno.name(v), f.getName());
            assertTrue(seen.add(v), f.getName() + " repeats a value");
            count++;
        }
        assertTrue(count >= 30, "errno constants: " + count);
        assertEquals(11, Errno.EAGAIN); // Linux x86-64
        assertEquals(104, Errno.ECONNRESET);
    }

    @Test
    void nativeExceptionIsComparesTheErrno() {
        NativeException e = assertThrows(NativeException.class, () -> Fds.close(-5));
        assertTrue(e.is(Errno.EBADF), e.getMessage());
        assertFalse(e.is(Errno.EINVAL));
        assertNotEquals(Errno.EBADF, Errno.EINVAL);
        assertTrue(e.getMessage().contains("EBADF"), e.getMessage());
    }
}
