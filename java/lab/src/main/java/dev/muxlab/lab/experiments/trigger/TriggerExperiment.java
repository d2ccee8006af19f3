package dev.muxlab.lab.experiments.trigger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import dev.muxlab.Backend;
import dev.muxlab.Errno;
import dev.muxlab.Events;
import dev.muxlab.Fds;
import dev.muxlab.Multiplexer;
import dev.muxlab.NativeException;
import dev.muxlab.ReadySet;
import dev.muxlab.Trigger;
import dev.muxlab.lab.proc.ProcStats;
import dev.muxlab.lab.report.Experiment;
import dev.muxlab.lab.report.ExperimentContext;
import dev.muxlab.lab.report.ExperimentResult;
import dev.muxlab.lab.report.Table;

/**
 * {@code trigger}: level- versus edge-triggered epoll on AF_UNIX socket pairs, in four small
 * demonstrations whose numbers are measured, not assumed: (a) wakeups and reads for a 64 KiB
 * message read 1 KiB at a time, (b) the ET reader that does not drain and stalls, (c) ONESHOT and
 * re-arming, (d) how many of two waiting threads one event wakes (one instance LT/ET, two
 * instances with and without EPOLLEXCLUSIVE).
 */
public final class TriggerExperiment implements Experiment {
    public static final String NAME = "trigger";
    static final int MESSAGE = 64 * 1024;
    static final int CHUNK = 1024;
    /** The await timeout of the waiters in (d); they are normally released much sooner. */
    static final int WAITER_TIMEOUT_MS = 300;
    /** After the event in (d): how long to wait for a second waiter to report before releasing it. */
    static final int GRACE_MS = 5;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String title() {
        return "Level- vs edge-triggered epoll: wakeups, stalls, ONESHOT and waking several waiters";
    }

    @Override
    public String guide() {
        return "Four demonstrations on AF_UNIX socket pairs; under each table, \"Measured:\" says what this run"
                + " saw and \"Background:\" the kernel behaviour that explains it. (a) Messages read 1 KiB per read"
                + " call by three readers, level-triggered (LT) and edge-triggered (ET): one read per wakeup, reads"
                + " until EAGAIN, and (ET) reads until a read returns less than it asked, without the read that"
                + " would find nothing; that reader gets a second message to show whether it is woken again."
                + " (b) An ET reader that stops with bytes queued, step by step. (c) ONESHOT and re-arming."
                + " (d) Two threads waiting for one event, repeated many times: the average number of threads whose"
                + " wait reported the event, and how many the kernel woke (counted from each thread's context"
                + " switches).";
    }

    /** Only epoll has trigger modes. */
    @Override
    public boolean appliesTo(Set<Backend> backends) {
        return backends.isEmpty() || backends.contains(Backend.EPOLL);
    }

    @Override
    public ExperimentResult run(ExperimentContext ctx) throws Exception {
        if (!ctx.wants(Backend.EPOLL)) {
            throw new IllegalArgumentException("trigger: only the epoll backend has edge-triggered mode; --backend "
                    + ExperimentContext.ids(ctx.backends) + " cannot run it (use --backend epoll or leave --backend out)");
        }
        ExperimentResult r = new ExperimentResult(name(), title());
        long waitMs = 100; // long enough to show that no report comes; the same in quick and full mode
        boolean lt = ctx.wants(Trigger.LEVEL);
        boolean et = ctx.wants(Trigger.EDGE);

        partA(r, lt, et, waitMs);
        if (et) {
            partB(r, waitMs);
        }
        partC(r, et && !lt ? Trigger.EDGE : Trigger.LEVEL, waitMs);
        partD(ctx, r, lt, et);

        summarize(r);
        return r;
    }

    /** The console summary, from the figures the parts published. */
    private static void summarize(ExperimentResult r) {
        double ltw = r.get(TriggerFigures.wakeups(Trigger.LEVEL));
        double etw = r.get(TriggerFigures.wakeups(Trigger.EDGE));
        if (!Double.isNaN(ltw) || !Double.isNaN(etw)) {
            r.summary("wakeups for 64 KiB read 1 KiB at a time", (Double.isNaN(ltw) ? "" : "LT " + Table.fmt(ltw))
                    + (!Double.isNaN(ltw) && !Double.isNaN(etw) ? ", " : "")
                    + (Double.isNaN(etw) ? "" : "ET (draining) " + Table.fmt(etw)));
        }
        if (!Double.isNaN(r.get(TriggerFigures.STALLED))) {
            r.summary("ET reader that does not drain", r.get(TriggerFigures.STALLED) == 1
                    ? "stalled with " + Table.fmt(r.get(TriggerFigures.STALLED_QUEUED_BYTES)) + " bytes queued"
                    : "did not stall");
        }
        if (!Double.isNaN(r.get(TriggerFigures.ET_SHORTREAD_STALLED))) {
            r.summary("ET reader that stops at a short read", r.get(TriggerFigures.ET_SHORTREAD_STALLED) == 1
                    ? "stalled" : "did not stall (" + Table.fmt(r.get(TriggerFigures.ET_SHORTREAD_WAKEUPS))
                    + " wakeups for " + SHORT_MESSAGES + " messages, no EAGAIN read)");
        }
        r.summary("ONESHOT reports: first, while disarmed, after re-arm", Table.fmt(r.get(TriggerFigures.ONESHOT_FIRST))
                + ", " + Table.fmt(r.get(TriggerFigures.ONESHOT_WHILE_DISARMED)) + ", "
                + Table.fmt(r.get(TriggerFigures.ONESHOT_AFTER_REARM)));
        StringBuilder d = new StringBuilder();
        for (String[] k : new String[][] {{Trigger.LEVEL.id(), label(Trigger.LEVEL)},
            {Trigger.EDGE.id(), label(Trigger.EDGE)}, {TriggerFigures.SHARED_INSTANCES, "2 instances"},
            {TriggerFigures.EXCLUSIVE, "EXCLUSIVE"}}) {
            double v = r.get(TriggerFigures.woken(k[0]));
            if (!Double.isNaN(v)) {
                d.append(d.length() > 0 ? ", " : "").append(k[1]).append(' ').append(Table.fmt(v));
            }
        }
        if (d.length() > 0) {
            r.summary("threads woken by one event (of 2 waiting)", d.toString());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // (a) 64 KiB read 1 KiB per wakeup

    /** How a reader in (a) reads after each wakeup, 1 KiB per read call. */
    enum Reader {
        /** One read per wakeup. */
        ONE_READ("1 KiB per wakeup"),
        /** Reads until a read finds nothing (EAGAIN). */
        UNTIL_EAGAIN("read until EAGAIN per wakeup"),
        /** Reads until a read returns less than asked; never makes the read that would find nothing. */
        UNTIL_SHORT("read until a short read per wakeup");

        final String label;

        Reader(String label) {
            this.label = label;
        }

        /** Whether the reader stops after a read that returned {@code n} (0: EAGAIN, -1: EOF). */
        boolean stopsAfter(int n) {
            return switch (this) {
                case ONE_READ -> true;
                case UNTIL_EAGAIN -> n <= 0;
                case UNTIL_SHORT -> n < CHUNK;
            };
        }
    }

    /** The short-read reader's message: not a multiple of the read size, so its last read is short. */
    static final int SHORT_MESSAGE = MESSAGE + 100;
    /** Messages the short-read reader gets: the second one shows whether the first left it able to wake. */
    static final int SHORT_MESSAGES = 2;

    /** What one reader in (a) did: over all its messages, and whether a wait timed out with bytes queued. */
    record ReadRun(Trigger trigger, Reader reader, int messageBytes, int messages, int wakeups, int reads,
            int eagainReads, long bytesRead, long bytesLeft, boolean stalled) {
    }

    private void partA(ExperimentResult r, boolean lt, boolean et, long waitMs) throws NativeException {
        Table t = r.table(new Table("(a) Messages read in 1 KiB reads, level- and edge-triggered", "mode", "reader",
                "sent", "wakeups", "read calls", "EAGAIN reads", "bytes read", "bytes left", "outcome"));
        List<ReadRun> runs = new ArrayList<>();
        if (lt) {
            runs.add(readMessages(Trigger.LEVEL, Reader.ONE_READ, MESSAGE, 1, waitMs));
            runs.add(readMessages(Trigger.LEVEL, Reader.UNTIL_EAGAIN, MESSAGE, 1, waitMs));
        }
        if (et) {
            runs.add(readMessages(Trigger.EDGE, Reader.ONE_READ, MESSAGE, 1, waitMs));
            runs.add(readMessages(Trigger.EDGE, Reader.UNTIL_EAGAIN, MESSAGE, 1, waitMs));
            runs.add(readMessages(Trigger.EDGE, Reader.UNTIL_SHORT, SHORT_MESSAGE, SHORT_MESSAGES, waitMs));
        }
        for (ReadRun a : runs) {
            t.row(label(a.trigger()), a.reader().label, sent(a), a.wakeups(), a.reads(), a.eagainReads(), a.bytesRead(),
                    a.bytesLeft(), outcome(a, waitMs));
        }
        ReadRun ltOne = find(runs, Trigger.LEVEL, Reader.ONE_READ);
        if (ltOne != null) {
            r.figure(TriggerFigures.wakeups(Trigger.LEVEL), ltOne.wakeups())
                    .figure(TriggerFigures.reads(Trigger.LEVEL), ltOne.reads());
        }
        ReadRun etOne = find(runs, Trigger.EDGE, Reader.ONE_READ);
        if (etOne != null) {
            r.figure(TriggerFigures.ET_NODRAIN_BYTES_READ, etOne.bytesRead())
                    .figure(TriggerFigures.ET_NODRAIN_BYTES_LEFT, etOne.bytesLeft())
                    .figure(TriggerFigures.ET_NODRAIN_WAKEUPS, etOne.wakeups());
        }
        ReadRun etDrain = find(runs, Trigger.EDGE, Reader.UNTIL_EAGAIN);
        if (etDrain != null) {
            r.figure(TriggerFigures.wakeups(Trigger.EDGE), etDrain.wakeups())
                    .figure(TriggerFigures.reads(Trigger.EDGE), etDrain.reads());
        }
        ReadRun etShort = find(runs, Trigger.EDGE, Reader.UNTIL_SHORT);
        if (etShort != null) {
            r.figure(TriggerFigures.ET_SHORTREAD_STALLED, etShort.stalled() ? 1 : 0)
                    .figure(TriggerFigures.ET_SHORTREAD_READS, etShort.reads())
                    .figure(TriggerFigures.ET_SHORTREAD_WAKEUPS, etShort.wakeups());
        }
        t.note(noteA(runs, waitMs));
    }

    private static ReadRun find(List<ReadRun> runs, Trigger trigger, Reader reader) {
        return runs.stream().filter(x -> x.trigger() == trigger && x.reader() == reader).findFirst().orElse(null);
    }

    /** "64 KiB" or "2 x 65636 B". */
    private static String sent(ReadRun a) {
        String one = a.messageBytes() % 1024 == 0 ? a.messageBytes() / 1024 + " KiB" : a.messageBytes() + " B";
        return a.messages() == 1 ? one : a.messages() + " x " + one;
    }

    /** What the readers of (a) did, in words, from their numbers; then the kernel rule, as background. */
    static String noteA(List<ReadRun> runs, long waitMs) {
        List<String> measured = new ArrayList<>();
        for (ReadRun a : runs) {
            StringBuilder sb = new StringBuilder(label(a.trigger())).append(", ").append(a.reader().label).append(": ");
            sb.append(plural(a.wakeups(), "wakeup")).append(" and ").append(plural(a.reads(), "read call"));
            if (a.eagainReads() > 0) {
                sb.append(" (").append(a.eagainReads()).append(" of them EAGAIN)");
            }
            sb.append(" for ").append(sent(a)).append(", ");
            if (a.stalled()) {
                sb.append("then a wait timed out after ").append(waitMs).append(" ms with ").append(a.bytesLeft())
                        .append(" bytes queued (stalled)");
            } else {
                sb.append("everything read").append(a.messages() > 1 ? ", woken for every message" : "");
            }
            measured.add(sb.toString());
        }
        if (measured.isEmpty()) {
            return "";
        }
        return "Measured: " + String.join("; ", measured) + ". Background: level-triggered epoll reports a readable"
                + " fd on every wait while bytes are queued, edge-triggered reports when bytes arrive; on a stream"
                + " socket a read that returns less than it asked has emptied the queue, so the next arrival is a"
                + " new edge whether or not the reader went on to see EAGAIN.";
    }

    private static String plural(long n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }

    /** "LT" or "ET", as the table rows say. */
    private static String label(Trigger t) {
        return t.id().toUpperCase(Locale.ROOT);
    }

    private static String outcome(ReadRun run, long waitMs) {
        if (run.stalled()) {
            return "stalled: the next wait timed out after " + waitMs + " ms with " + run.bytesLeft() + " bytes queued";
        }
        return "all read";
    }

    /**
     * Registers the read end (READ in the given trigger mode) and, for each message, writes it to the
     * other end and reads it back in 1 KiB read calls, waiting before each batch of reads as the
     * reader says, until the message is read or a wait times out with bytes queued (a stall, after
     * which no further message is sent).
     */
    static ReadRun readMessages(Trigger trigger, Reader reader, int size, int messages, long waitMs)
            throws NativeException {
        int[] sp = Fds.socketPair();
        try (Multiplexer m = Multiplexer.create(Backend.EPOLL)) {
            ReadySet rs = new ReadySet(4);
            m.register(sp[1], Events.READ | trigger.flags());
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
            int wakeups = 0;
            int reads = 0;
            int eagain = 0;
            long got = 0;
            boolean stalled = false;
            for (int msg = 0; msg < messages && !stalled; msg++) {
                writeFully(sp[0], size);
                long target = (long) size * (msg + 1);
                while (got < target) {
                    m.await(rs, waitMs);
                    if (rs.indexOf(sp[1]) < 0) {
                        stalled = Fds.available(sp[1]) > 0;
                        if (!stalled) {
                            throw new IllegalStateException("wait timed out with nothing queued and "
                                    + (target - got) + " bytes unread");
                        }
                        break;
                    }
                    wakeups++;
                    int n;
                    do {
                        buf.clear();
                        n = Fds.read(sp[1], buf);
                        reads++;
                        if (n > 0) {
                            got += n;
                        } else if (n == 0) {
                            eagain++;
                        }
                    } while (!reader.stopsAfter(n));
                    if (wakeups > 10 * messages * (size / CHUNK + 1)) {
                        throw new IllegalStateException("no progress reading the message");
                    }
                }
            }
            return new ReadRun(trigger, reader, size, messages, wakeups, reads, eagain, got, Fds.available(sp[1]),
                    stalled);
        } finally {
            Fds.closeQuietly(sp[0]);
            Fds.closeQuietly(sp[1]);
        }
    }

    private static void writeFully(int fd, int bytes) throws NativeException {
        ByteBuffer b = ByteBuffer.allocateDirect(bytes);
        int zeroWrites = 0;
        while (b.hasRemaining()) {
            if (Fds.write(fd, b) == 0 && ++zeroWrites > 1000) {
                throw new IllegalStateException("the socket buffer does not take " + bytes + " bytes");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // (b) the ET reader that does not drain

    private void partB(ExperimentResult r, long waitMs) throws NativeException {
        Table t = r.table(new Table("(b) An edge-triggered reader that does not drain", "step", "action",
                "wait reported the fd", "bytes queued after"));
        StringBuilder note = new StringBuilder();
        int[] sp = Fds.socketPair();
        try (Multiplexer m = Multiplexer.create(Backend.EPOLL)) {
            ReadySet rs = new ReadySet(4);
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
            m.register(sp[1], Events.READ | Trigger.EDGE.flags());

            writeFully(sp[0], 4 * CHUNK);
            boolean first = reported(m, rs, sp[1], waitMs);
            note.append("Measured: the first 4 KiB ").append(first ? "were" : "were not").append(" reported");
            t.row(1, "peer writes 4 KiB; wait", yes(first), Fds.available(sp[1]));

            Fds.read(sp[1], buf);
            boolean again = reported(m, rs, sp[1], waitMs);
            int queued = Fds.available(sp[1]);
            boolean stalled = !again && queued > 0;
            t.row(2, "read 1 KiB; wait again", again ? "yes" : "no: timed out after " + waitMs + " ms", queued);
            note.append("; after reading 1 KiB the next wait ").append(again ? "reported the fd again"
                    : "timed out after " + waitMs + " ms").append(" with ").append(queued).append(" bytes queued (step 2)");
            r.figure(TriggerFigures.STALLED, stalled ? 1 : 0).figure(TriggerFigures.STALLED_QUEUED_BYTES, queued);

            writeFully(sp[0], CHUNK);
            boolean newData = reported(m, rs, sp[1], waitMs);
            t.row(3, "peer writes 1 KiB more (not drained yet); wait", yes(newData), Fds.available(sp[1]));
            r.figure(TriggerFigures.NEW_DATA_REREPORTS, newData ? 1 : 0);
            note.append("; 1 KiB more arriving before the reader drained ").append(newData ? "was" : "was not")
                    .append(" reported (step 3)");

            long drained = Fds.drain(sp[1]);
            boolean afterDrain = reported(m, rs, sp[1], 0);
            t.row(4, "read until EAGAIN (" + drained + " bytes); wait (timeout 0)", yes(afterDrain),
                    Fds.available(sp[1]));

            writeFully(sp[0], CHUNK);
            boolean fixed = reported(m, rs, sp[1], waitMs);
            t.row(5, "peer writes 1 KiB; wait", yes(fixed), Fds.available(sp[1]));
            r.figure(TriggerFigures.DRAIN_FIXED, fixed && !afterDrain ? 1 : 0);
            note.append("; after reading until EAGAIN a wait with timeout 0 ").append(afterDrain ? "still reported"
                    : "reported nothing").append(" (step 4) and the next 1 KiB ").append(fixed ? "woke" : "did not wake")
                    .append(" the reader (step 5).");
            Fds.drain(sp[1]);
        } finally {
            Fds.closeQuietly(sp[0]);
            Fds.closeQuietly(sp[1]);
        }
        t.note(note + " Background: edge-triggered epoll reports arrivals, not queued bytes, so a reader that stops"
                + " with bytes queued is woken again only when more arrive, and a peer that waits for a reply before"
                + " sending again never sends them.");
    }

    private static boolean reported(Multiplexer m, ReadySet rs, int fd, long timeoutMs) throws NativeException {
        m.await(rs, timeoutMs);
        return rs.indexOf(fd) >= 0;
    }

    private static String yes(boolean b) {
        return b ? "yes" : "no";
    }

    // ---------------------------------------------------------------------------------------------
    // (c) ONESHOT

    private void partC(ExperimentResult r, Trigger trigger, long waitMs) throws NativeException {
        String mode = label(trigger);
        int interest = Events.READ | Events.ONESHOT | trigger.flags();
        Table t = r.table(new Table("(c) ONESHOT and re-arming (" + mode + ")", "step", "action", "events reported",
                "bytes queued after"));
        int[] sp = Fds.socketPair();
        try (Multiplexer m = Multiplexer.create(Backend.EPOLL)) {
            ReadySet rs = new ReadySet(4);
            m.register(sp[1], interest);

            writeFully(sp[0], 1);
            int first = count(m, rs, sp[1], waitMs);
            t.row(1, "register " + Events.toString(interest) + "; peer writes 1 byte; wait", first,
                    Fds.available(sp[1]));

            writeFully(sp[0], 1);
            int disarmed = count(m, rs, sp[1], waitMs);
            t.row(2, "peer writes 1 more byte (nothing read); wait " + waitMs + " ms", disarmed, Fds.available(sp[1]));

            String reg;
            boolean eexist;
            try {
                m.register(sp[1], interest);
                reg = "accepted";
                eexist = false;
            } catch (NativeException e) {
                reg = e.errnoName();
                eexist = e.is(Errno.EEXIST);
            }
            t.row(3, "register the fd again while disarmed", reg, Fds.available(sp[1]));

            m.modify(sp[1], interest);
            int rearmed = count(m, rs, sp[1], 0);
            t.row(4, "modify (re-arm), data still queued; wait (timeout 0)", rearmed, Fds.available(sp[1]));

            int afterFire = count(m, rs, sp[1], waitMs);
            t.row(5, "wait again " + waitMs + " ms", afterFire, Fds.available(sp[1]));

            r.figure(TriggerFigures.ONESHOT_FIRST, first).figure(TriggerFigures.ONESHOT_WHILE_DISARMED, disarmed)
                    .figure(TriggerFigures.ONESHOT_AFTER_REARM, rearmed)
                    .figure(TriggerFigures.ONESHOT_REREGISTER_EEXIST, eexist ? 1 : 0);
            t.note("Measured: the first byte brought " + plural(first, "report") + ", a second byte while disarmed "
                    + plural(disarmed, "report") + "; registering the fd again was " + reg + "; modify with bytes"
                    + " still queued brought " + plural(rearmed, "report") + " at once and the next wait "
                    + plural(afterFire, "report") + ". Background: a ONESHOT registration is disarmed after it"
                    + " reports and stays in the interest list until modified or removed.");
        } finally {
            Fds.closeQuietly(sp[0]);
            Fds.closeQuietly(sp[1]);
        }
    }

    /** Events reported for fd by one wait. */
    private static int count(Multiplexer m, ReadySet rs, int fd, long timeoutMs) throws NativeException {
        m.await(rs, timeoutMs);
        int n = 0;
        for (int i = 0; i < rs.size(); i++) {
            if (rs.fd(i) == fd) {
                n++;
            }
        }
        return n;
    }

    // ---------------------------------------------------------------------------------------------
    // (d) two waiting threads, one event

    /** One case of (d). */
    record WakeCase(String key, String label, boolean twoInstances, int interest) {
    }

    /** Averages of one case of (d). */
    record WakeResult(int reps, double reported, double gotData, double kernelWoken, int notParked) {
    }

    private void partD(ExperimentContext ctx, ExperimentResult r, boolean lt, boolean et) throws Exception {
        List<WakeCase> cases = new ArrayList<>();
        for (Trigger t : Trigger.values()) {
            if (t == Trigger.LEVEL ? lt : et) {
                cases.add(new WakeCase(t.id(), "1 instance, " + label(t), false, Events.READ | t.flags()));
            }
        }
        Trigger two = lt ? Trigger.LEVEL : Trigger.EDGE; // the two-instance rows: LT unless --trigger et
        cases.add(new WakeCase(TriggerFigures.SHARED_INSTANCES, "2 instances, " + label(two), true, Events.READ | two.flags()));
        cases.add(new WakeCase(TriggerFigures.EXCLUSIVE, "2 instances, " + label(two) + " + EXCLUSIVE", true,
                Events.READ | Events.EXCLUSIVE | two.flags()));
        int reps = ctx.quick ? 20 : 50;

        Table t = r.table(new Table("(d) Two threads waiting, one event (1 byte written), " + reps + " times",
                "case", "interest", "threads woken", "threads whose wait reported the fd",
                "threads that read the byte"));
        List<WakeResult> results = new ArrayList<>();
        ctx.progress("trigger: two waiters, one event", (long) cases.size() * reps, step -> {
            long done = 0;
            for (WakeCase c : cases) {
                step.message(c.label());
                results.add(wakeCase(c, reps));
                done += reps;
                step.stepTo(done);
            }
        });
        int unparked = 0;
        boolean switchesKnown = true;
        for (int i = 0; i < cases.size(); i++) {
            WakeCase c = cases.get(i);
            WakeResult w = results.get(i);
            boolean known = !Double.isNaN(w.kernelWoken());
            switchesKnown &= known;
            t.row(c.label(), Events.toString(c.interest()), known ? w.kernelWoken() : "n/a", w.reported(), w.gotData());
            // "woken" is what the kernel did; where context switches cannot be read, what the waits reported
            r.figure(TriggerFigures.woken(c.key()), known ? w.kernelWoken() : w.reported());
            r.figure(TriggerFigures.reported(c.key()), w.reported());
            unparked += w.notParked();
        }
        List<String> measured = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            WakeResult w = results.get(i);
            measured.add(cases.get(i).label() + ": " + (Double.isNaN(w.kernelWoken()) ? "n/a"
                    : Table.fmt(w.kernelWoken())) + " woken, " + Table.fmt(w.reported()) + " reported the fd");
        }
        t.note("Averages per event over 2 waiting threads; a woken thread reads the fd until EAGAIN, as a worker"
                + " would. 'Woken' counts threads whose wait returned the fd or that slept more than once inside it"
                + " (woken, found the byte already taken and went back to sleep: only the thread's voluntary context"
                + " switches in /proc show that). Measured, threads per event: " + String.join("; ", measured) + "."
                + " Background: epoll_wait sleepers on one instance queue exclusively, so an event wakes one of them;"
                + " under LT that thread's epoll_wait puts the still-ready fd back on the ready list, which can wake"
                + " the next sleeper, under ET it does not. Two instances each watch the fd, so each has a sleeper"
                + " to wake, unless both registered it with EXCLUSIVE.");
        if (!switchesKnown) {
            r.paragraph("(d): context switches could not be read from /proc/thread-self/status here, so 'woken' is"
                    + " the number of waits that reported the fd.");
        }
        if (unparked > 0) {
            r.paragraph("(d): in " + unparked + " repetitions a waiter was not yet seen asleep in epoll_wait when the"
                    + " byte was written (checked through /proc/self/task/<tid>/wchan).");
        }
    }

    /** A thread that, on each go, waits once on its multiplexer and reads the fd if it was reported. */
    private static final class Waiter implements Runnable {
        final Multiplexer mux;
        final int fd;
        final ReadySet rs = new ReadySet(4);
        final Semaphore go = new Semaphore(0);
        final Semaphore done;
        volatile int tid = -1;
        volatile boolean stop;
        volatile Throwable failure;
        // results of the last round, published by done.release()
        boolean reported;
        long bytes;
        long switches = -1;

        Waiter(Multiplexer mux, int fd, Semaphore done) {
            this.mux = mux;
            this.fd = fd;
            this.done = done;
        }

        @Override
        public void run() {
            tid = ownTid();
            while (true) {
                go.acquireUninterruptibly();
                if (stop) {
                    return;
                }
                try {
                    long v0 = ProcStats.voluntarySwitches();
                    mux.await(rs, WAITER_TIMEOUT_MS);
                    long v1 = ProcStats.voluntarySwitches();
                    reported = rs.indexOf(fd) >= 0;
                    bytes = reported ? Fds.drain(fd) : 0;
                    switches = v0 < 0 || v1 < 0 ? -1 : v1 - v0;
                } catch (Throwable e) {
                    failure = e;
                } finally {
                    done.release();
                }
            }
        }
    }

    /** Runs one case of (d) {@code reps} times and averages what the two waiters saw. */
    private WakeResult wakeCase(WakeCase c, int reps) throws IOException, InterruptedException {
        long reported = 0;
        long gotData = 0;
        long woken = 0;
        boolean switchesKnown = true;
        int notParked = 0;
        try (Waiters rig = new Waiters(c)) {
            for (int rep = 0; rep < reps; rep++) {
                if (!rig.round()) {
                    notParked++;
                }
                for (Waiter w : rig.waiters) {
                    if (w.reported) {
                        reported++;
                    }
                    if (w.bytes > 0) {
                        gotData++;
                    }
                    if (w.switches < 0) {
                        switchesKnown = false;
                    } else if (w.reported || w.switches >= 2) {
                        woken++; // returned with the event, or woke, found nothing and slept again
                    }
                }
                rig.reset();
            }
        }
        return new WakeResult(reps, reported / (double) reps, gotData / (double) reps,
                switchesKnown ? woken / (double) reps : Double.NaN, notParked);
    }

    /** Two waiter threads on the read end of a socketpair, in one epoll instance or one each. */
    private static final class Waiters implements AutoCloseable {
        private final WakeCase c;
        private final int[] sp;
        private final Multiplexer[] muxes = new Multiplexer[2];
        final Waiter[] waiters = new Waiter[2];
        private final Thread[] threads = new Thread[2];
        private final Semaphore done = new Semaphore(0);
        private final ReadySet rs = new ReadySet(4);
        private final ByteBuffer one = ByteBuffer.allocateDirect(1);

        Waiters(WakeCase c) throws IOException, InterruptedException {
            this.c = c;
            this.sp = Fds.socketPair();
            try {
                muxes[0] = Multiplexer.create(Backend.EPOLL);
                muxes[1] = c.twoInstances() ? Multiplexer.create(Backend.EPOLL) : muxes[0];
                muxes[0].register(sp[1], c.interest());
                if (c.twoInstances()) {
                    muxes[1].register(sp[1], c.interest());
                }
                for (int i = 0; i < 2; i++) {
                    waiters[i] = new Waiter(muxes[i], sp[1], done);
                    threads[i] = new Thread(waiters[i], "trigger-waiter-" + c.key() + "-" + i);
                    threads[i].setDaemon(true);
                    threads[i].start();
                }
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }

        /**
         * One round: both waiters wait once, a byte is written, and both report (the one that got
         * nothing is released after a grace period). Returns whether both were seen asleep first.
         */
        boolean round() throws IOException, InterruptedException {
            for (Waiter w : waiters) {
                w.go.release();
            }
            boolean parked = awaitParked(waiters);
            one.clear();
            Fds.write(sp[0], one);
            if (!done.tryAcquire(2, GRACE_MS, TimeUnit.MILLISECONDS)) {
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2L * WAITER_TIMEOUT_MS);
                do {
                    for (Multiplexer m : c.twoInstances() ? muxes : new Multiplexer[] {muxes[0]}) {
                        m.wakeup(); // returns 0 to a waiter that is still asleep
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("trigger (d): waiters did not return");
                    }
                } while (!done.tryAcquire(2, 20, TimeUnit.MILLISECONDS));
            }
            for (Waiter w : waiters) {
                if (w.failure != null) {
                    throw new IOException("trigger (d) waiter failed", w.failure);
                }
            }
            return parked;
        }

        /** Leaves nothing for the next round: no byte queued, no wakeup pending. */
        void reset() throws NativeException {
            Fds.drain(sp[1]);
            muxes[0].await(rs, 0);
            if (c.twoInstances()) {
                muxes[1].await(rs, 0);
            }
        }

        /** Stops the threads (flag, go, wakeup), waits for them, then closes the multiplexers and fds. */
        @Override
        public void close() throws InterruptedException {
            for (Waiter w : waiters) {
                if (w != null) {
                    w.stop = true;
                    w.go.release();
                }
            }
            for (Multiplexer m : muxes) {
                if (m != null) {
                    m.wakeup();
                }
            }
            try {
                for (Thread th : threads) {
                    if (th != null) {
                        th.join(2000);
                    }
                }
            } finally {
                for (Multiplexer m : muxes) {
                    if (m != null) {
                        m.close();
                    }
                }
                Fds.closeQuietly(sp[0]);
                Fds.closeQuietly(sp[1]);
            }
        }
    }

    /** Waits (up to 200 ms) until both waiters sleep in epoll_wait; false if that was not seen. */
    private static boolean awaitParked(Waiter[] waiters) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (Waiter w : waiters) {
                int state = sleepingInEpoll(w.tid);
                if (state < 0) {
                    Thread.sleep(5); // no /proc/<tid>/wchan here: give them time to get there
                    return true;
                }
                if (state == 0) {
                    all = false;
                }
            }
            if (all) {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    /** 1 if the task sleeps in epoll_wait, 0 if not (yet), -1 if that cannot be told. */
    private static int sleepingInEpoll(int tid) {
        if (tid < 0) {
            return 0;
        }
        try {
            String wchan = Files.readString(Path.of("/proc/self/task/" + tid + "/wchan")).trim();
            if (wchan.contains("epoll") || wchan.equals("ep_poll")) {
                return 1;
            }
            return 0;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The calling thread's kernel task id, from /proc/thread-self; -1 if unknown. */
    static int ownTid() {
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString(); // "<pid>/task/<tid>"
            return Integer.parseInt(link.substring(link.lastIndexOf('/') + 1));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

}
