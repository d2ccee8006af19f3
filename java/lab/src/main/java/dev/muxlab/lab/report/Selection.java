package dev.muxlab.lab.report;

import java.util.List;

import dev.muxlab.Backend;
import dev.muxlab.Multiplexer;

/** The backend names experiments accept in --backend, and how to open each. */
public final class Selection {
    /** select (glibc fd_set), select-wide (bitmaps sized to the highest fd), poll, epoll. */
    public static final List<String> BACKENDS = List.of("select", "select-wide", "poll", "epoll");
    public static final List<String> TRIGGERS = List.of("lt", "et");

    private Selection() {
    }

    public static Multiplexer open(String name) {
        switch (name) {
            case "select":
                return Multiplexer.open(Backend.SELECT);
            case "select-wide":
                return Multiplexer.openWideSelect();
            case "poll":
                return Multiplexer.open(Backend.POLL);
            case "epoll":
                return Multiplexer.open(Backend.EPOLL);
            default:
                throw new IllegalArgumentException("unknown backend '" + name + "' (allowed: " + String.join(", ", BACKENDS) + ")");
        }
    }

    public static String checkBackend(String name) {
        if (name != null && !BACKENDS.contains(name)) {
            throw new IllegalArgumentException("unknown backend '" + name + "' (allowed: " + String.join(", ", BACKENDS) + ")");
        }
        return name;
    }

    public static String checkTrigger(String name) {
        if (name != null && !TRIGGERS.contains(name)) {
            throw new IllegalArgumentException("unknown trigger '" + name + "' (allowed: lt, et)");
        }
        return name;
    }
}
