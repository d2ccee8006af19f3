package dev.muxlab.lab.experiments;

import java.util.EnumMap;
import java.util.Map;

import dev.muxlab.Backend;
import dev.muxlab.Events;
import dev.muxlab.Fds;
import dev.muxlab.Multiplexer;
import dev.muxlab.NativeException;

/**
 * Whether a backend takes the registration the fd-counting experiments make: one socket, READ,
 * level-triggered, from the thread that opened the multiplexer. A backend that refuses it (signal-
 * driven IO is edge-triggered only) is left out of those experiments with the reason in the report,
 * rather than failing the run. Asked of the backend itself, so a new backend needs no entry here.
 */
public final class LevelRead {
    private static final Map<Backend, String> REFUSALS = new EnumMap<>(Backend.class);

    private LevelRead() {
    }

    /** null when the backend accepts a level-triggered READ registration of a socket; else why it refuses. */
    public static synchronized String refusal(Backend b) {
        if (!REFUSALS.containsKey(b)) {
            REFUSALS.put(b, probe(b));
        }
        return REFUSALS.get(b);
    }

    private static String probe(Backend b) {
        int[] sp;
        try {
            sp = Fds.socketPair();
        } catch (NativeException e) {
            throw new IllegalStateException("cannot open a socketpair to probe " + b + ": " + e.getMessage(), e);
        }
        try (Multiplexer m = Multiplexer.create(b)) {
            m.register(sp[0], Events.READ);
            return null;
        } catch (NativeException | RuntimeException e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            int dot = msg.indexOf(". ");
            return dot > 0 ? msg.substring(0, dot) : msg; // the first sentence
        } finally {
            Fds.closeQuietly(sp[0]);
            Fds.closeQuietly(sp[1]);
        }
    }
}
