package dev.muxlab.lab.server;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counters every server model keeps; safe to read from any thread. */
public final class ServerStats {
    public final LongAdder accepted = new LongAdder();
    public final LongAdder closed = new LongAdder();
    public final AtomicLong active = new AtomicLong();
    /** Accepted and closed at once because --max-connections was reached. */
    public final LongAdder rejectedMaxConnections = new LongAdder();
    /** accept() failed with EMFILE/ENFILE (the fd limit). */
    public final LongAdder acceptFdLimit = new LongAdder();
    /**
     * Reactors, nio, uring: times the loop stopped watching its listener for a while (accept at
     * the fd limit with nothing left to shed, or an accept error that repeating would not fix;
     * see {@code AcceptPause}).
     */
    public final LongAdder acceptPauses = new LongAdder();
    /** Connections refused by the select model because their fd was >= FD_SETSIZE. */
    public final LongAdder rejectedFdSetSize = new LongAdder();
    public final LongAdder resets = new LongAdder();
    public final LongAdder idleClosed = new LongAdder();
    /**
     * Blocking models: closed because a blocking write got nothing into the send buffer for the
     * idle timeout (SO_SNDTIMEO; a peer that does not read); virtual: a blocking write that did not
     * complete within it. The reactors close such a connection as idle instead, as it makes
     * progress in neither direction.
     */
    public final LongAdder writeTimeouts = new LongAdder();
    /** HTTP: closed because a request header block was not complete within the header timeout. */
    public final LongAdder headerTimeouts = new LongAdder();
    public final LongAdder bytesIn = new LongAdder();
    public final LongAdder bytesOut = new LongAdder();
    public final LongAdder requests = new LongAdder();
    public final LongAdder badRequests = new LongAdder();
    /** Times a connection hit its output cap and stopped being read. */
    public final LongAdder backpressurePauses = new LongAdder();
    /** threadpool: connections that had to wait for a free worker. */
    public final LongAdder queued = new LongAdder();
    public final LongAdder errors = new LongAdder();
    /**
     * sigio: times the real-time signal queue overflowed into plain SIGIO, each followed by a
     * readiness scan of every registered fd ({@code SignalIo.overflows}); 0 for the other models.
     */
    public final LongAdder signalOverflows = new LongAdder();
    /**
     * uring: {@code io_uring_enter} calls, the system calls that submit and reap ({@code Ring.Stat.ENTERS});
     * 0 for the other models. With {@link #submitted} and {@link #completions} it gives the
     * system calls per message of the completion model.
     */
    public final LongAdder enters = new LongAdder();
    /** uring: submission entries the kernel consumed ({@code Ring.Stat.SUBMITTED}). */
    public final LongAdder submitted = new LongAdder();
    /** uring: completions reaped ({@code Ring.Stat.COMPLETIONS}). */
    public final LongAdder completions = new LongAdder();
    /**
     * uring: multishot recvs ended by ENOBUFS (every provided buffer was in use); each is armed
     * again once buffers are back.
     */
    public final LongAdder noBuffers = new LongAdder();
    /**
     * Readiness waits: the reactors' multiplexer waits (select, poll, epoll_wait, ...) and the
     * busy-polling loop's passes over its fds. Models that block in read and write make none.
     */
    public final LongAdder awaits = new LongAdder();

    public Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("accepted", accepted.sum());
        m.put("active", active.get());
        m.put("closed", closed.sum());
        m.put("rejected_max_connections", rejectedMaxConnections.sum());
        m.put("accept_fd_limit", acceptFdLimit.sum());
        m.put("accept_pauses", acceptPauses.sum());
        m.put("rejected_fd_setsize", rejectedFdSetSize.sum());
        m.put("resets", resets.sum());
        m.put("idle_closed", idleClosed.sum());
        m.put("write_timeouts", writeTimeouts.sum());
        m.put("header_timeouts", headerTimeouts.sum());
        m.put("bytes_in", bytesIn.sum());
        m.put("bytes_out", bytesOut.sum());
        m.put("requests", requests.sum());
        m.put("bad_requests", badRequests.sum());
        m.put("backpressure_pauses", backpressurePauses.sum());
        m.put("queued", queued.sum());
        m.put("errors", errors.sum());
        m.put("signal_overflows", signalOverflows.sum());
        m.put("enters", enters.sum());
        m.put("submitted", submitted.sum());
        m.put("completions", completions.sum());
        m.put("no_buffers", noBuffers.sum());
        m.put("awaits", awaits.sum());
        return m;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        snapshot().forEach((k, v) -> {
            if (v != 0 || k.equals("accepted") || k.equals("active")) {
                if (sb.length() > 0) {
                    sb.append(' ');
                }
                sb.append(k).append('=').append(v);
            }
        });
        return sb.toString();
    }
}
