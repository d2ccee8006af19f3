package dev.muxlab.lab.report;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

import dev.muxlab.Backend;
import dev.muxlab.Trigger;

import org.junit.jupiter.api.Test;

/** The filters: empty or complete sets mean no filter; trigger modes need a backend that has them. */
class ExperimentContextTest {

    private static ExperimentContext ctx(Set<Backend> backends, Set<Trigger> triggers) {
        return new ExperimentContext(true, Path.of("unused"), backends, triggers, System.out, false);
    }

    @Test
    void filters() {
        ExperimentContext all = ctx(EnumSet.allOf(Backend.class), EnumSet.allOf(Trigger.class));
        assertEquals(Set.of(), all.backends);
        assertEquals(Set.of(), all.triggers);
        assertEquals("", all.filters());

        ExperimentContext et = ctx(EnumSet.of(Backend.POLL, Backend.EPOLL), EnumSet.of(Trigger.EDGE));
        assertTrue(et.wants(Backend.POLL, Trigger.LEVEL), "select and poll are level-triggered whatever --trigger says");
        assertTrue(et.wants(Backend.EPOLL, Trigger.EDGE));
        assertFalse(et.wants(Backend.EPOLL, Trigger.LEVEL));
        assertFalse(et.wants(Backend.SELECT));
        assertEquals("backend poll,epoll, trigger et", et.filters());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ctx(EnumSet.of(Backend.POLL, Backend.SELECT_WIDE), EnumSet.of(Trigger.LEVEL)));
        assertEquals("--trigger applies to the epoll backend only, not select-wide,poll", e.getMessage());
    }
}
