package dev.muxlab.lab.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.muxlab.BufferRing;
import dev.muxlab.Completions;
import dev.muxlab.Errno;
import dev.muxlab.Events;
import dev.muxlab.Fds;
import dev.muxlab.NativeException;
import dev.muxlab.Ring;
import dev.muxlab.Sockets;
import dev.muxlab.UringUnavailableException;
import dev.muxlab.lab.FdTables;
import dev.muxlab.lab.Proto;

/**
 * The uring model: asynchronous IO on io_uring ({@link Ring}), completion-based rather than a
 * readiness reactor. The loop never asks whether an fd is ready; it queues operations and the
 * kernel performs each one when it can and posts its result:
 * <ul>
 * <li>one multishot accept per listener: a completion per connection;</li>
 * <li>one multishot recv per connection into a provided-buffer ring ({@link BufferRing}) shared by
 * the loop's connections: the kernel picks a buffer when data arrives, so an idle connection
 * holds no buffer. The session parses the bytes where the kernel put them; only a request that
 * spans buffers (an incomplete HTTP header block) is copied into a per-connection input buffer.
 * A buffer goes back to the kernel as soon as its bytes are used;</li>
 * <li>one send in flight per connection, from its output buffer, which must stay put until the
 * send completes. A short send is legal: the rest is sent again. The output buffer starts small
 * and doubles up to --max-output while a reply does not fit;</li>
 * <li>close through the ring, after cancelling the connection's requests in flight (a request holds
 * the file: closing the fd alone would neither end it nor send the peer a FIN).</li>
 * </ul>
 * Everything queued while handling one batch of completions goes to the kernel in the next
 * {@link Ring#submitAndWait}: one {@code io_uring_enter} per loop iteration submits all of it and
 * collects the next completions ({@link ServerStats#enters}, {@link ServerStats#submitted},
 * {@link ServerStats#completions} count them).
 * <p>
 * <b>Backpressure.</b> A connection whose output reaches the cap is paused: its recv is
 * cancelled and not armed again until the output drains. Data that arrives before the cancel
 * takes effect stays in its provided buffers, parked on the connection in order, and is
 * processed first on resume; then the recv is armed again.
 * <p>
 * <b>Buffers exhausted.</b> A loop has one 1 KiB provided buffer per connection allowed
 * (--max-connections, as a power of two from 1,024 to 32,768), so that a message in flight on
 * every connection at once finds one. When every buffer is in use the kernel ends a recv with
 * ENOBUFS ({@link ServerStats#noBuffers}); the data stays in the socket. Such connections are
 * armed again at the end of the iteration, after the batch's buffers went back, first come first
 * served and no more than buffers came back (with 2,048 buffers for 10,000 busy connections,
 * arming them all at once ended most of them again at once: four ENOBUFS per message).
 * <p>
 * <b>EMFILE.</b> At the fd limit the accept completes with -EMFILE and its multishot ends (the
 * kernel takes the fd before it looks at the queue, so re-arming at once would fail at once, in a
 * loop). The loop counts it ({@link ServerStats#acceptFdLimit}) and arms a one-shot poll on the
 * listener instead, which completes only when a connection is waiting; then the {@link Acceptor}
 * takes pending connections with plain accept4 and its reserved fd (a connection is served if an
 * fd was freed meanwhile, closed at once otherwise), and the multishot accept is armed again.
 * Each round consumes a waiting connection, so nothing spins; once nothing is left to shed, or
 * after an accept error that repeating would not fix, no accept is armed for a growing pause that
 * a closing connection ends early ({@link AcceptPause}). (io_uring reads RLIMIT_NOFILE when an accept is queued, so
 * a limit lowered while the multishot accept is armed applies from its next arming.)
 * <p>
 * <b>Timeouts.</b> The wait of {@link Ring#submitAndWait} is bounded by the next idle/header
 * sweep, which closes in slices as {@link ReactorServer} does. {@link #close()} wakes the loop
 * with {@link Ring#wakeup()}.
 * <p>
 * {@code --loops N} runs N loops, one thread each with its own ring, buffers and SO_REUSEPORT
 * listener. Where io_uring is unavailable, {@link #start()} fails with one line saying why.
 */
final class UringServer extends ServerBase {
    /** Submission queue entries per ring; a fuller queue is submitted early (Ring.Stat.SQ_FULL). */
    static final int SQ_ENTRIES = 1024;
    /** Completion queue entries: room for a completion per connection of a busy loop. */
    static final int CQ_ENTRIES = 16384;
    /**
     * Bytes per provided buffer: a message of the lab's loads (64-byte echoes, HTTP requests)
     * fits in one; bulk data takes a completion per KiB, and a longer request is copied together.
     */
    static final int BUFFER_SIZE = 1024;
    /** Fewest provided buffers per loop. */
    static final int MIN_BUFFERS = 1024;
    /** Most provided buffers per loop (the kernel's limit for a buffer ring). */
    static final int MAX_BUFFERS = 32768;
    /**
     * The smallest output buffer; it doubles up to --max-output while a reply does not fit. Every
     * connection with a send in flight holds one (the kernel reads it when it sends), so they
     * are cut from {@link #SLAB}-byte blocks and kept for reuse: at 10,000 connections a
     * direct allocation per send was the loop's main cost.
     */
    static final int OUT_MIN = 512;
    /** Bytes of direct memory cut into output buffers of the smallest size at a time. */
    static final int SLAB = 64 * 1024;

    /** Starved recvs armed again per iteration even when no buffer came back in it. */
    static final int STARVED_MIN = 64;

    // user data: generation (32 bits) | connection slot (29 bits) | kind (3 bits)
    static final int RECV = 1, SEND = 2, ACCEPT = 3, LISTEN_POLL = 4, OTHER = 5;
    static final long UD_ACCEPT = ACCEPT, UD_LISTEN_POLL = LISTEN_POLL, UD_OTHER = OTHER;
    private static final long NONE = Expiry.NONE;

    /**
     * Provided buffers per loop: one per connection allowed (a message in flight on each of them
     * at once needs that many), as a power of two, 1,024 to 32,768 (16 MiB for the default
     * 10,000 connections). Tests make it small to run them out.
     */
    int bufferCount;
    private final List<Loop> loops = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private boolean closed;

    UringServer(ServerConfig cfg) {
        super(cfg);
        int want = Math.max(MIN_BUFFERS, Math.min(MAX_BUFFERS, cfg.maxConnections));
        bufferCount = Integer.highestOneBit(want) == want ? want : Math.min(MAX_BUFFERS, Integer.highestOneBit(want) << 1);
    }

    @Override
    public void start() throws IOException {
        Ring.Probe probe = Ring.probe();
        if (!probe.available()) {
            throw unavailable(probe.reason());
        }
        int p = cfg.port;
        try {
            for (int i = 0; i < cfg.loops; i++) {
                Loop l = new Loop(i, p);
                loops.add(l);
                if (p == 0) {
                    p = Sockets.localPort(l.listenFd);
                }
            }
        } catch (UringUnavailableException e) {
            releaseLoops();
            throw unavailable(e.getMessage());
        } catch (NativeException | RuntimeException e) {
            releaseLoops();
            throw e;
        }
        port = p;
        for (Loop l : loops) {
            Thread t = new Thread(l, "muxlab-" + cfg.model.cliName() + "-" + l.id);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void releaseLoops() {
        for (Loop l : loops) {
            l.release();
        }
        loops.clear();
    }

    /** The one-line error of a uring server where io_uring cannot be used. */
    static IOException unavailable(String reason) {
        return new IOException("model uring needs io_uring: " + reason + " (the other models do not)");
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Loop l : loops) {
            l.stopping = true;
            l.ring.wakeup();
        }
        for (Thread t : threads) {
            join(t, 10_000);
        }
    }

    /** One loop thread: a listener, a ring with its provided buffers, the connections. */
    final class Loop implements Runnable {
        final int id;
        final int listenFd;
        final Ring ring;
        final BufferRing buffers;
        /** All provided buffers; {@link #view} is the window the session reads a received chunk through. */
        final ByteBuffer memory;
        final ByteBuffer view;
        final Completions done = new Completions(cfg.batch);
        final Acceptor acceptor;
        final int minOutRoom = cfg.proto == Proto.HTTP ? HttpSession.MAX_REPLY : 1;
        /** The idle and header timeouts; headerTimeout is 0 when off (echo, or disabled). */
        final Expiry expiry = new Expiry(cfg, stats);
        final long headerTimeout = expiry.headerTimeoutMillis;
        /** Output buffer sizes: OUT_MIN doubling up to --max-output, each with its pool. */
        final int[] outSizes;
        final ArrayDeque<ByteBuffer>[] outPools;
        final BufferPool inPool = new BufferPool(cfg.readBufferBytes);
        /** Connections by slot (the user data names the slot, not the fd: a closed fd's number is reused at once). */
        Conn[] conns = new Conn[1024];
        int[] generations = new int[1024];
        int[] freeSlots = new int[1024];
        int freeCount;
        int slotsUsed;
        /** Connections whose recv ended with ENOBUFS, armed again at the end of the iteration. */
        final ArrayDeque<Conn> starved = new ArrayDeque<>();
        /** Provided buffers held by paused connections. */
        int parkedTotal;
        /** Provided buffers given back in this iteration. */
        int recycled;
        volatile boolean stopping;
        long now = System.nanoTime();
        boolean acceptArmed;
        boolean pollArmed;
        /** The listener's pause at the fd limit (or after an accept error), if one is in progress. */
        final AcceptPause pause = new AcceptPause(cfg, stats);
        final long sweepPeriodNanos;
        long nextSweepAt = NONE;
        /** Next slot of a timeout sweep in progress (-1: none) and when its next slice runs. */
        int sweepCursor = -1;
        long sweepSliceAt = NONE;
        long lastStatsAt;
        long entersSeen, submittedSeen, completionsSeen;

        @SuppressWarnings("unchecked")
        Loop(int id, int port) throws NativeException {
            this.id = id;
            int bufferSize = Math.min(BUFFER_SIZE, cfg.readBufferBytes);
            int lfd = -1;
            Ring r = null;
            Acceptor a = null;
            try {
                lfd = listen(port, true);
                r = Ring.open(SQ_ENTRIES, CQ_ENTRIES);
                this.buffers = r.registerBuffers(0, bufferCount, bufferSize);
                a = new Acceptor(lfd, true, cfg, stats, UringServer.this::log);
            } catch (NativeException | RuntimeException e) {
                if (r != null) {
                    r.close();
                }
                Fds.closeQuietly(lfd);
                throw e;
            } catch (IOException e) {
                r.close();
                Fds.closeQuietly(lfd);
                throw new IllegalStateException(e);
            }
            this.listenFd = lfd;
            this.ring = r;
            this.acceptor = a;
            this.memory = buffers.memory();
            this.view = memory.duplicate();
            List<Integer> sizes = new ArrayList<>();
            for (int s = Math.min(OUT_MIN, cfg.maxOutputBytes); ; s *= 2) {
                if (s >= cfg.maxOutputBytes) {
                    sizes.add(cfg.maxOutputBytes);
                    break;
                }
                sizes.add(s);
            }
            this.outSizes = sizes.stream().mapToInt(Integer::intValue).toArray();
            this.outPools = new ArrayDeque[outSizes.length];
            for (int i = 0; i < outPools.length; i++) {
                outPools[i] = new ArrayDeque<>();
            }
            this.sweepPeriodNanos = expiry.periodMillis * 1_000_000L;
        }

        /** Frees what the constructor took (a loop that never ran). */
        void release() {
            acceptor.close();
            Fds.closeQuietly(listenFd);
            ring.close();
        }

        @Override
        public void run() {
            now = System.nanoTime();
            lastStatsAt = now;
            if (sweepPeriodNanos > 0) {
                nextSweepAt = now + sweepPeriodNanos;
            }
            try {
                armAccept();
                while (!stopping) {
                    int n = ring.submitAndWait(done, 1, timeoutMillis());
                    now = System.nanoTime();
                    for (int i = 0; i < n; i++) {
                        dispatch(done.userData(i), done.result(i), done.flags(i));
                    }
                    rearmStarved();
                    timers();
                    if (now - lastStatsAt > 10_000_000L) {
                        ringCounters();
                    }
                }
            } catch (NativeException | RuntimeException e) {
                stats.errors.increment();
                log("uring loop failed: " + e);
            } finally {
                shutdown();
            }
        }

        /** Milliseconds until the next timer (a sweep, a sweep slice, the listener's pause), -1 for none. */
        private long timeoutMillis() {
            long due = Math.min(Math.min(nextSweepAt, sweepSliceAt), pause.until());
            if (due == NONE) {
                return -1;
            }
            long left = due - System.nanoTime();
            return left <= 0 ? 0 : (left + 999_999) / 1_000_000;
        }

        private void timers() throws NativeException {
            if (now >= pause.until()) {
                resumeAccepting();
            }
            if (now >= sweepSliceAt) {
                sweepSliceAt = NONE;
                sweepSlice();
            }
            if (now >= nextSweepAt) {
                nextSweepAt = now + sweepPeriodNanos;
                if (sweepCursor < 0) {
                    sweepCursor = 0;
                    sweepSlice();
                }
            }
        }

        /** Adds the ring's own counters to the server's. */
        private void ringCounters() {
            lastStatsAt = now;
            long e = ring.stat(Ring.Stat.ENTERS);
            long s = ring.stat(Ring.Stat.SUBMITTED);
            long c = ring.stat(Ring.Stat.COMPLETIONS);
            stats.enters.add(e - entersSeen);
            stats.submitted.add(s - submittedSeen);
            stats.completions.add(c - completionsSeen);
            entersSeen = e;
            submittedSeen = s;
            completionsSeen = c;
        }

        private void dispatch(long ud, int res, int flags) throws NativeException {
            int kind = (int) (ud & 7);
            if (kind == RECV || kind == SEND) {
                int slot = (int) ((ud >>> 3) & 0x1FFF_FFFF);
                Conn c = slot < conns.length ? conns[slot] : null;
                if (c == null || c.gen != (int) (ud >>> 32)) {
                    // cannot happen: a slot is reused only after its requests have all completed
                    stats.errors.increment();
                    if ((flags & Ring.CQE_F_BUFFER) != 0) {
                        recycle(flags >>> 16);
                    }
                    return;
                }
                try {
                    if (kind == RECV) {
                        c.onRecv(res, flags);
                    } else {
                        c.onSend(res);
                    }
                } catch (NativeException | RuntimeException e) {
                    stats.errors.increment();
                    log("connection fd " + c.fd + ": " + e);
                    c.closeQuietly();
                }
            } else if (kind == ACCEPT) {
                onAccept(res, (flags & Ring.CQE_F_MORE) != 0);
            } else if (kind == LISTEN_POLL) {
                onListenPoll(res);
            }
            // OTHER: the result of a cancel or a close; nothing to do
        }

        // ------------------------------------------------------------------ accepting

        private void armAccept() throws NativeException {
            if (acceptArmed || stopping || pause.paused()) {
                return;
            }
            if (!acceptor.reclaimSpare()) {
                // The spare fd was lost (another thread's open took its slot while the Acceptor had
                // it closed) and the process is at its limit. The kernel's accept would take the next
                // freed slot before the spare could, and shedding would stop for good; so wait for a
                // connection with a poll and let the Acceptor, which reclaims its spare first, take it.
                armListenPoll();
                return;
            }
            ring.accept(listenFd, UD_ACCEPT);
            acceptArmed = true;
        }

        private void armListenPoll() throws NativeException {
            if (!pollArmed && !stopping) {
                ring.poll(listenFd, Events.READ, false, UD_LISTEN_POLL);
                pollArmed = true;
            }
        }

        /** Arms no accept until the {@link AcceptPause}'s next pause ends or a connection closes. */
        private void pauseAccepting() {
            pause.begin(now);
        }

        /** The pause is over (its time is up, or a connection closed): accept again. */
        void resumeAccepting() throws NativeException {
            if (pause.end()) {
                armAccept();
            }
        }

        private void onAccept(int res, boolean more) throws NativeException {
            if (!more) {
                acceptArmed = false;
            }
            if (res >= 0) {
                pause.admitted();
                stats.accepted.increment();
                if (stats.active.get() >= cfg.maxConnections) {
                    stats.rejectedMaxConnections.increment();
                    ring.closeFd(res, UD_OTHER);
                } else {
                    addConnection(res);
                }
                if (!more) {
                    armAccept();
                }
                return;
            }
            int e = -res;
            if (e == Errno.EMFILE || e == Errno.ENFILE) {
                stats.acceptFdLimit.increment();
                if (!more) {
                    armListenPoll(); // the fd table is full: wait for a connection, then shed or serve it
                }
                return;
            }
            if (more || stopping || e == Errno.ECANCELED) {
                return;
            }
            if (e == Errno.ECONNABORTED || e == Errno.EPROTO || e == Errno.EPERM || e == Errno.EINTR
                    || e == Errno.EAGAIN) {
                armAccept();
            } else if (e != Errno.EINVAL) { // EINVAL: the listener was shut down
                stats.errors.increment();
                log("accept failed: " + Errno.name(e));
                pauseAccepting();
            }
        }

        /** At the fd limit, a connection is waiting: the Acceptor sheds or admits what is queued. */
        private void onListenPoll(int res) throws NativeException {
            pollArmed = false;
            if (stopping || res == -Errno.ECANCELED) {
                return;
            }
            for (int budget = ReactorServer.ACCEPT_SLICE; budget > 0; budget--) {
                int c = acceptor.next();
                if (c >= 0) {
                    pause.admitted();
                    addConnection(c);
                } else if (c == Acceptor.DRAINED) {
                    break;
                } else if (c == Acceptor.AT_LIMIT || c == Acceptor.BACKOFF || c == Acceptor.NOT_LISTENING) {
                    pauseAccepting(); // nothing left to shed: the next accept would fail at once
                    return;
                }
            }
            armAccept(); // still at the limit: it fails at once and the poll is armed again
        }

        private void addConnection(int fd) throws NativeException {
            try {
                Sockets.setTcpNoDelay(fd, true);
            } catch (NativeException ignored) {
                // not fatal
            }
            int slot;
            if (freeCount > 0) {
                slot = freeSlots[--freeCount];
            } else {
                slot = slotsUsed++;
                conns = FdTables.fit(conns, slot);
                if (slot >= generations.length) {
                    generations = Arrays.copyOf(generations, conns.length);
                    freeSlots = Arrays.copyOf(freeSlots, conns.length);
                }
            }
            Conn c = new Conn(this, fd, slot, generations[slot], Session.create(cfg.proto, cfg, stats));
            conns[slot] = c;
            c.lastActive = now;
            stats.active.incrementAndGet();
            try {
                c.armRecv();
            } catch (NativeException | RuntimeException e) {
                stats.errors.increment();
                log("recv on fd " + fd + " not queued: " + e.getMessage());
                c.closeQuietly();
            }
        }

        void freeSlot(Conn c) {
            conns[c.slot] = null;
            generations[c.slot]++;
            freeSlots[freeCount++] = c.slot;
        }

        // ------------------------------------------------------------------ buffers

        /**
         * Arms the recvs that ENOBUFS ended again, first come first served, as many as buffers
         * came back in this iteration (at least {@link #STARVED_MIN}): each has data waiting and
         * takes a buffer at once, so arming all of them at once when buffers are short would only
         * end most of them again.
         */
        private void rearmStarved() throws NativeException {
            int budget = Math.max(STARVED_MIN, recycled);
            recycled = 0;
            if (starved.isEmpty() || parkedTotal >= buffers.count()) {
                return; // no buffer is coming back before parked ones are: wait for those
            }
            while (budget-- > 0 && !starved.isEmpty()) {
                Conn c = starved.pollFirst();
                c.starved = false;
                c.armRecv();
            }
        }

        void recycle(int bid) {
            buffers.recycle(bid);
            recycled++;
        }

        ByteBuffer takeIn() {
            return inPool.take();
        }

        void releaseIn(ByteBuffer b) {
            inPool.give(b);
        }

        /** An empty output buffer of size class k. */
        ByteBuffer takeOut(int k) {
            ByteBuffer b = outPools[k].pollFirst();
            if (b != null) {
                return b;
            }
            if (k > 0 || outSizes[0] > SLAB / 8) {
                return ByteBuffer.allocateDirect(outSizes[k]);
            }
            ByteBuffer slab = ByteBuffer.allocateDirect(SLAB);
            for (int at = outSizes[0]; at + outSizes[0] <= SLAB; at += outSizes[0]) {
                outPools[0].addLast(slab.slice(at, outSizes[0]));
            }
            return slab.slice(0, outSizes[0]);
        }

        /** Keeps b for reuse: the pools grow to the most buffers in use at once, and stay. */
        void releaseOut(ByteBuffer b) {
            b.clear();
            outPools[outClass(b.capacity())].addFirst(b);
        }

        int outClass(int capacity) {
            for (int k = 0; k < outSizes.length; k++) {
                if (outSizes[k] == capacity) {
                    return k;
                }
            }
            throw new IllegalStateException("no output size class " + capacity);
        }

        // ------------------------------------------------------------------ timeouts

        /**
         * Closes up to {@link ReactorServer#CLOSE_SLICE} expired connections from the cursor on;
         * the next slice runs {@link ReactorServer#SWEEP_PAUSE_MS} later (see ReactorServer).
         */
        private void sweepSlice() {
            expiry.slice(now);
            Conn[] cs = conns;
            int closedHere = 0;
            int i = sweepCursor;
            for (; i < cs.length && closedHere < ReactorServer.CLOSE_SLICE; i++) {
                Conn c = cs[i];
                if (c == null || !c.open) {
                    continue;
                }
                if (expiry.expired(c.lastActive, c.partialSince)) {
                    c.closeQuietly();
                    closedHere++;
                }
            }
            if (i < cs.length) {
                sweepCursor = i;
                sweepSliceAt = now + ReactorServer.SWEEP_PAUSE_MS * 1_000_000L;
            } else {
                sweepCursor = -1;
            }
        }

        // ------------------------------------------------------------------ shutdown

        /**
         * Stops accepting (cancels the accept and reaps it, closing what it accepted meanwhile),
         * closes every connection and the listener, and closes the ring, which cancels the
         * requests still in flight (and so releases their sockets).
         */
        private void shutdown() {
            try {
                if (acceptArmed) {
                    ring.cancel(UD_ACCEPT, UD_OTHER);
                }
                if (pollArmed) {
                    ring.cancel(UD_LISTEN_POLL, UD_OTHER);
                }
                long deadline = System.nanoTime() + 1_000_000_000L;
                do {
                    int n = ring.submitAndWait(done, acceptArmed || pollArmed ? 1 : 0, 100);
                    for (int i = 0; i < n; i++) {
                        long ud = done.userData(i);
                        int res = done.result(i);
                        int kind = (int) (ud & 7);
                        if (kind == ACCEPT) {
                            if (res >= 0) {
                                Fds.closeQuietly(res);
                            }
                            acceptArmed &= done.hasMore(i);
                        } else if (kind == LISTEN_POLL) {
                            pollArmed = false;
                        }
                    }
                } while ((acceptArmed || pollArmed) && System.nanoTime() < deadline);
            } catch (NativeException | RuntimeException e) {
                stats.errors.increment();
                log("uring shutdown: " + e);
            }
            for (Conn c : conns) {
                if (c != null && c.open) {
                    c.open = false;
                    Fds.closeQuietly(c.fd); // the ring's close cancels its requests, which hold the socket
                    stats.active.decrementAndGet();
                    stats.closed.increment();
                }
            }
            try {
                ringCounters();
            } catch (RuntimeException e) {
                stats.errors.increment();
            }
            acceptor.close();
            Fds.closeQuietly(listenFd);
            ring.close();
        }
    }

    /** One connection: its requests in flight, its input and output. Used on its loop's thread only. */
    final class Conn {
        final Loop l;
        final int fd;
        final int slot;
        final int gen;
        final Session session;
        final long recvUd;
        final long sendUd;
        boolean open = true;
        /** A multishot recv is armed (until its completion without MORE). */
        boolean recvArmed;
        /** A cancel of the recv is queued or done (pause or close). */
        boolean recvCancelled;
        /** Its recv ended with ENOBUFS; it waits in {@link Loop#starved}. */
        boolean starved;
        /** The peer's EOF arrived. */
        boolean eof;
        /** The session said CLOSE: no more input, close once the output is sent. */
        boolean closing;
        /** The output is at its cap: no recv until it drains. */
        boolean paused;
        /** A send is in flight: it reads the front of {@link #out} (or of {@link #outInFlight}). */
        boolean sending;
        /** Leftover input (write mode): an incomplete request that spans buffers; null when none. */
        ByteBuffer in;
        /** Pending output (write mode, from index 0); null when none and no send is in flight. */
        ByteBuffer out;
        /** The buffer an in-flight send reads from after {@link #out} grew into a new one; null otherwise. */
        ByteBuffer outInFlight;
        /** Provided buffers received while paused: ids and the unread range of each, in order. */
        int[] parked;
        int parkHead;
        int parkCount;
        long lastActive;
        long partialSince = NONE;
        /** The session consumed input since the last {@link #afterInput}. */
        boolean progressed;

        Conn(Loop l, int fd, int slot, int gen, Session session) {
            this.l = l;
            this.fd = fd;
            this.slot = slot;
            this.gen = gen;
            this.session = session;
            long base = ((long) gen << 32) | ((long) slot << 3);
            this.recvUd = base | RECV;
            this.sendUd = base | SEND;
        }

        void armRecv() throws NativeException {
            if (open && !recvArmed && !closing && !eof && !paused && !starved && parkCount == 0) {
                l.ring.recv(fd, l.buffers, recvUd);
                recvArmed = true;
                recvCancelled = false;
            }
        }

        private void cancelRecv() throws NativeException {
            if (recvArmed && !recvCancelled) {
                l.ring.cancel(recvUd, UD_OTHER);
                recvCancelled = true;
            }
        }

        void onRecv(int res, int flags) throws NativeException {
            if ((flags & Ring.CQE_F_MORE) == 0) {
                recvArmed = false;
            }
            if (res > 0) {
                int bid = flags >>> 16;
                stats.bytesIn.add(res);
                if (!open || closing) {
                    l.recycle(bid); // input after a close is dropped
                } else {
                    lastActive = l.now;
                    if (paused || parkCount > 0) {
                        park(bid, 0, res);
                    } else {
                        int at = feed(bid, 0, res);
                        if (at < res) {
                            park(bid, at, res);
                        } else {
                            l.recycle(bid);
                        }
                        afterInput();
                    }
                }
            } else if (res == 0) {
                eof = true;
            } else if (res == -Errno.ENOBUFS) {
                stats.noBuffers.increment();
                if (open && !starved) {
                    starved = true;
                    l.starved.add(this);
                }
            } else if (res != -Errno.ECANCELED && open) {
                if (res == -Errno.ECONNRESET) {
                    stats.resets.increment();
                }
                closeNow();
            }
            if (!recvArmed) {
                if (!open) {
                    maybeFree();
                } else {
                    maybeFinish();
                    armRecv();
                }
            }
        }

        void onSend(int res) throws NativeException {
            sending = false;
            if (outInFlight != null) {
                l.releaseOut(outInFlight);
                outInFlight = null;
            }
            if (!open) {
                if (out != null) {
                    l.releaseOut(out);
                    out = null;
                }
                maybeFree();
                return;
            }
            if (res < 0) {
                if (res == -Errno.ECONNRESET || res == -Errno.EPIPE) {
                    stats.resets.increment();
                }
                closeNow();
                return;
            }
            if (res > 0) {
                stats.bytesOut.add(res);
                lastActive = l.now;
            }
            // drop what was sent: a short send leaves the rest at the front
            int pending = out.position();
            out.position(res).limit(pending);
            out.compact();
            if (paused && out.remaining() >= l.minOutRoom) {
                paused = false;
                resume();
                if (!open) {
                    return;
                }
            }
            if (!sending) { // resume may have sent already
                if (out.position() > 0) {
                    send();
                } else {
                    l.releaseOut(out);
                    out = null;
                }
            }
            maybeFinish();
        }

        /**
         * Runs the session over bytes [at, end) of provided buffer bid; returns how far it got:
         * end, or less when the output filled up (the rest waits, parked, for the resume).
         */
        private int feed(int bid, int at, int end) throws NativeException {
            int base = l.buffers.offset(bid);
            while (at < end) {
                if (!open || closing) {
                    return end;
                }
                if (paused) {
                    return at;
                }
                if (in == null) {
                    ByteBuffer v = l.view;
                    v.limit(base + end);
                    v.position(base + at);
                    run(v);
                    at = v.position() - base;
                    if (at < end && open && !closing && !paused) {
                        // an incomplete request: its bytes move to the input buffer (the one copy)
                        in = l.takeIn();
                        in.put(0, l.memory, base + at, end - at);
                        in.position(end - at);
                        at = end;
                    }
                } else {
                    int k = Math.min(in.remaining(), end - at);
                    in.put(in.position(), l.memory, base + at, k);
                    in.position(in.position() + k);
                    at += k;
                    if (!runLeftover() && k == 0 && open && !closing && !paused) {
                        // a full input buffer the session cannot use: HTTP's 431 prevents it
                        stats.errors.increment();
                        log("connection fd " + fd + ": input buffer full and no progress");
                        closeNow();
                        return end;
                    }
                }
            }
            return end;
        }

        /** Runs the session over the leftover input; true if it consumed some. Releases it when empty. */
        private boolean runLeftover() throws NativeException {
            in.flip();
            int before = in.remaining();
            run(in);
            boolean consumed = in.remaining() < before;
            if (in.hasRemaining() && open) {
                in.compact();
            } else {
                l.releaseIn(in);
                in = null;
            }
            return consumed;
        }

        /** The session over src into out (grown while a reply does not fit), then a send if none is in flight. */
        private void run(ByteBuffer src) throws NativeException {
            if (out == null) {
                out = l.takeOut(0);
            }
            for (;;) {
                int before = src.remaining();
                int verdict = session.onInput(src, out);
                if (src.remaining() < before) {
                    progressed = true;
                }
                if (verdict == Session.CLOSE) {
                    closing = true;
                    cancelRecv();
                    break;
                }
                if (!src.hasRemaining() || out.remaining() >= l.minOutRoom) {
                    break; // all used, or an incomplete request
                }
                if (!growOut()) {
                    paused = true;
                    stats.backpressurePauses.increment();
                    cancelRecv();
                    break;
                }
            }
            if (!sending && out.position() > 0) {
                send();
            }
        }

        /** Moves the output to a buffer twice the size, up to --max-output; false at the cap. */
        private boolean growOut() {
            int k = l.outClass(out.capacity());
            if (k + 1 >= l.outSizes.length) {
                return false;
            }
            ByteBuffer bigger = l.takeOut(k + 1);
            bigger.put(0, out, 0, out.position());
            bigger.position(out.position());
            if (sending && outInFlight == null) {
                outInFlight = out; // the kernel reads it until the send completes
            } else {
                l.releaseOut(out);
            }
            out = bigger;
            return true;
        }

        private void send() throws NativeException {
            int length = out.position();
            out.position(0).limit(length);
            l.ring.send(fd, out, sendUd);
            out.limit(out.capacity()).position(length);
            sending = true;
        }

        /** Room again: the leftover input, then the parked buffers, in order; then the recv again. */
        private void resume() throws NativeException {
            if (in != null) {
                runLeftover();
            }
            while (parkCount > 0 && open && !paused) {
                int i = parkHead * 3;
                int bid = parked[i];
                int at = feed(bid, parked[i + 1], parked[i + 2]);
                if (at < parked[i + 2]) {
                    parked[i + 1] = at;
                    break;
                }
                parkHead = (parkHead + 1) % (parked.length / 3);
                parkCount--;
                l.parkedTotal--;
                l.recycle(bid);
            }
            if (open) {
                afterInput();
                armRecv();
            }
        }

        private void park(int bid, int at, int end) {
            int cap = parked == null ? 0 : parked.length / 3;
            if (parkCount == cap) {
                int[] bigger = new int[Math.max(8, cap * 2) * 3];
                for (int j = 0; j < parkCount; j++) {
                    System.arraycopy(parked, ((parkHead + j) % cap) * 3, bigger, j * 3, 3);
                }
                parked = bigger;
                parkHead = 0;
                cap = bigger.length / 3;
            }
            int i = ((parkHead + parkCount) % cap) * 3;
            parked[i] = bid;
            parked[i + 1] = at;
            parked[i + 2] = end;
            parkCount++;
            l.parkedTotal++;
        }

        /** HTTP: the header clock of a request held incomplete (see ReactorServer.Conn#process). */
        private void afterInput() {
            if (l.headerTimeout > 0) {
                if (in == null || paused) {
                    partialSince = NONE;
                } else if (partialSince == NONE || progressed) {
                    partialSince = l.now;
                }
            }
            progressed = false;
        }

        /** Closes once nothing is left to do: the session said CLOSE, or the peer's EOF after every byte was answered. */
        private void maybeFinish() throws NativeException {
            if (open && !sending && (out == null || out.position() == 0)
                    && (closing || (eof && parkCount == 0 && !paused))) {
                closeNow();
            }
        }

        /**
         * Cancels the requests in flight, closes the fd through the ring (both go with the next
         * submit, in order) and gives back the buffers; the slot is freed once the cancelled
         * requests have completed.
         */
        void closeNow() throws NativeException {
            if (!open) {
                return;
            }
            open = false;
            try {
                cancelRecv();
                if (sending) {
                    l.ring.cancel(sendUd, UD_OTHER);
                }
                l.ring.closeFd(fd, UD_OTHER);
            } catch (NativeException | RuntimeException e) {
                stats.errors.increment();
                Fds.closeQuietly(fd);
            }
            if (in != null) {
                l.releaseIn(in);
                in = null;
            }
            while (parkCount > 0) {
                l.recycle(parked[parkHead * 3]);
                parkHead = (parkHead + 1) % (parked.length / 3);
                parkCount--;
                l.parkedTotal--;
            }
            if (!sending && out != null) {
                l.releaseOut(out);
                out = null;
            }
            stats.active.decrementAndGet();
            stats.closed.increment();
            maybeFree();
            if (l.pause.paused() && !l.stopping) {
                l.resumeAccepting(); // an fd is freed (the close goes first): it may take a waiting connection
            }
        }

        /** closeNow for an error path: a failure on the way is counted, not thrown. */
        void closeQuietly() {
            try {
                closeNow();
            } catch (NativeException | RuntimeException e) {
                stats.errors.increment();
            }
        }

        private void maybeFree() {
            if (!open && !recvArmed && !sending && l.conns[slot] == this) {
                l.freeSlot(this);
            }
        }
    }
}
