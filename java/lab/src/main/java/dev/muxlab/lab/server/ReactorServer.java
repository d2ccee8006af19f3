package dev.muxlab.lab.server;

import dev.muxlab.lab.Proto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import dev.muxlab.Backend;
import dev.muxlab.Errno;
import dev.muxlab.Trigger;
import dev.muxlab.Events;
import dev.muxlab.FdSetSizeException;
import dev.muxlab.Fds;
import dev.muxlab.Multiplexer;
import dev.muxlab.NativeException;
import dev.muxlab.SignalIo;
import dev.muxlab.Sockets;
import dev.muxlab.lab.EventLoop;
import dev.muxlab.lab.FdTables;

/**
 * The select, poll, epoll-lt, epoll-et and sigio models: one {@link EventLoop} per thread, each with
 * its own listener (SO_REUSEPORT when there are several, nginx-style). Each loop thread opens its
 * own multiplexer and registers everything from that thread (a SIGNAL multiplexer belongs to the
 * thread that opened it: its signals are aimed at that thread). Output that would block
 * is buffered and WRITE interest is on only while output is pending; a connection whose output
 * buffer reaches the cap stops being read until it drains. Edge-triggered loops drain accepts
 * until EAGAIN and reads until EAGAIN or a short read: a read that returns less than asked has
 * emptied the receive queue, so later data raises a new edge (the peer's FIN is seen through
 * RDHUP, which ET connections ask for, so a pending EOF is still read at once). EMFILE on accept
 * is handled by the {@link Acceptor}'s reserved fd, so a level-triggered listener never spins;
 * once nothing is left to shed, or after an accept error that repeating would not fix, the loop
 * stops watching its listener for a growing pause that a closing connection ends early
 * ({@link AcceptPause}).
 * <p>
 * sigio is edge-triggered without RDHUP (no signal carries it): a peer's FIN that arrives with
 * the last data is one coalesced READ report, so a short read cannot stand for "drained" there
 * and reads go on until EAGAIN or EOF. Its listener is driven by signals like any socket (a queued
 * connection raises POLL_IN); pausing it drops READ from its interest, and resuming polls it
 * once, which reports the connections that queued meanwhile.
 * <p>
 * Idle connections cost no buffers: reads go to a per-loop scratch buffer, and a connection gets
 * its own input or output buffer only while it holds leftover bytes.
 */
final class ReactorServer extends ServerBase {
    /** {@link Conn#partialSince} when no incomplete request is held: never older than a limit. */
    private static final long NONE = Expiry.NONE;
    /** Accepts per listener event before IO gets a turn (each accept also registers the fd). */
    static final int ACCEPT_SLICE = 32;
    /** Closes per slice of a timeout sweep; the next slice runs {@link #SWEEP_PAUSE_MS} later. */
    static final int CLOSE_SLICE = 16;
    /**
     * Pause between two sweep slices: the loop sleeps in await between them. With only an await
     * of timeout 0 between slices the loop ran 3-5 ms at a stretch through a wave of 1,000
     * closes, and the CPU's other work (ksoftirqd, which finishes the network processing the
     * closes start) waited up to 1.4 ms behind it (perf sched, docs/reliability.md).
     */
    static final long SWEEP_PAUSE_MS = 1;
    private final List<Worker> workers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private boolean closed;

    ReactorServer(ServerConfig cfg) {
        super(cfg);
    }

    @Override
    public void start() throws IOException {
        int p = cfg.port;
        try {
            for (int i = 0; i < cfg.loops; i++) {
                Worker w = new Worker(i, p);
                workers.add(w);
                if (p == 0) {
                    p = Sockets.localPort(w.listenFd);
                }
            }
        } catch (NativeException | RuntimeException e) {
            for (Worker w : workers) {
                w.shutdown();
            }
            workers.clear();
            throw e;
        }
        port = p;
        for (Worker w : workers) {
            Thread t = new Thread(w, "muxlab-" + cfg.model.cliName() + "-" + w.id);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        // each thread opens its multiplexer and registers its listener; a failure stops them all
        Throwable failure = null;
        for (Worker w : workers) {
            try {
                w.opened.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = failure != null ? failure : e;
            } catch (ExecutionException e) {
                failure = failure != null ? failure : e.getCause();
            }
        }
        if (failure != null) {
            close();
            if (failure instanceof IOException) {
                throw (IOException) failure;
            }
            if (failure instanceof RuntimeException) {
                throw (RuntimeException) failure;
            }
            throw new IOException("event loop did not start: " + failure, failure);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Worker w : workers) {
            EventLoop l = w.loop;
            if (l != null) {
                l.stop();
            }
        }
        for (Thread t : threads) {
            join(t, 10_000);
        }
    }

    /** One reactor thread: a listener, its connections, scratch buffers and pools. */
    final class Worker implements Runnable, EventLoop.Handler {
        final int id;
        /** Set by the worker's thread once it has opened its multiplexer ({@link #opened}). */
        volatile EventLoop loop;
        /** Completes when the thread has opened its loop and registered the listener, or failed to. */
        final CompletableFuture<Void> opened = new CompletableFuture<>();
        final int listenFd;
        final boolean edge = cfg.model.trigger() == Trigger.EDGE;
        final boolean epoll = cfg.model.isEpoll();
        /** SIGNAL: no RDHUP, so a short read is not taken for "drained" (see readSome). */
        final boolean signal = cfg.model.backend() == Backend.SIGNAL;
        // ET also asks for RDHUP where it can: a peer's FIN is then visible in the event mask,
        // which is what lets a short read stand for "drained" (see readSome)
        final int flags = edge ? Events.EDGE | (signal ? 0 : Events.RDHUP) : 0;
        final int minOutRoom = cfg.proto == Proto.HTTP ? HttpSession.MAX_REPLY : 1;
        /** The idle and header timeouts; its headerTimeoutMillis is 0 when off (echo, or disabled). */
        final Expiry expiry = new Expiry(cfg, stats);
        final long headerTimeout = expiry.headerTimeoutMillis;
        final ByteBuffer scratchIn = ByteBuffer.allocateDirect(cfg.readBufferBytes);
        final ByteBuffer scratchOut = ByteBuffer.allocateDirect(cfg.maxOutputBytes);
        private final BufferPool inPool = new BufferPool(cfg.readBufferBytes);
        private final BufferPool outPool = new BufferPool(cfg.maxOutputBytes);
        Conn[] conns = new Conn[1024];
        final Acceptor acceptor;
        final AcceptPause pause = new AcceptPause(cfg, stats);
        /** The end of the pause in progress, if any. */
        EventLoop.Timer pauseTimer;
        final Runnable resumeStep = this::resumeAccepting;
        /** Set once the worker closes everything. */
        boolean stopping;
        /** Next conns[] index of a timeout sweep in progress; -1 when none is. */
        int sweepCursor = -1;
        final Runnable sweepStep = this::sweepSlice;
        final Runnable acceptStep = () -> onReady(-1, Events.READ); // the fd is not used

        Worker(int id, int port) throws IOException {
            this.id = id;
            int lfd = listen(port, true);
            try {
                this.acceptor = new Acceptor(lfd, true, cfg, stats, ReactorServer.this::log);
            } catch (IOException | RuntimeException e) {
                Fds.closeQuietly(lfd);
                throw e;
            }
            this.listenFd = lfd;
        }

        /** On the worker's thread: opens the multiplexer (its owner is this thread) and registers the listener. */
        private boolean open() {
            Multiplexer mux = null;
            try {
                mux = Multiplexer.create(cfg.model.backend());
                EventLoop l = new EventLoop(mux, cfg.batch, stats.awaits);
                l.register(listenFd, Events.READ | flags, this);
                if (signal) {
                    // now, not at the first timer tick: loading a class opens a file, which at the
                    // fd limit fails (NoClassDefFoundError) and would end the loop
                    overflowsSeen = SignalIo.overflows(mux);
                }
                loop = l;
                opened.complete(null);
                return true;
            } catch (NativeException | RuntimeException e) {
                if (mux != null) {
                    mux.close();
                }
                shutdown();
                opened.completeExceptionally(e);
                return false;
            }
        }

        @Override
        public void run() {
            if (!open()) {
                return;
            }
            if (signal) {
                loop.every(100, this::signalCounters);
            }
            if (expiry.periodMillis > 0) {
                loop.every(expiry.periodMillis, this::closeIdle);
            }
            try {
                loop.run();
            } catch (RuntimeException e) {
                stats.errors.increment();
                log("event loop failed: " + e);
            } finally {
                if (signal) {
                    signalCounters();
                }
                shutdown();
            }
        }

        /** SIGNAL: the real-time signal queue overflows this loop's multiplexer has seen so far. */
        private long overflowsSeen;

        private void signalCounters() {
            long now = SignalIo.overflows(loop.multiplexer());
            stats.signalOverflows.add(now - overflowsSeen);
            overflowsSeen = now;
        }

        void shutdown() {
            stopping = true;
            for (Conn c : conns) {
                if (c != null) {
                    c.close();
                }
            }
            Fds.closeQuietly(listenFd);
            acceptor.close();
            EventLoop l = loop;
            if (l != null) {
                l.close();
            }
        }

        /**
         * The listener is ready: accept up to {@link #ACCEPT_SLICE} connections, then let the
         * loop poll for IO. LT reports the listener again while connections are pending; ET
         * will not (the edge was consumed), so it schedules its own continuation until EAGAIN.
         */
        @Override
        public void onReady(int fd, int events) {
            int budget = ACCEPT_SLICE;
            while (budget-- > 0) {
                int c = acceptor.next();
                if (c >= 0) {
                    pause.admitted();
                    addConnection(c);
                } else if (c == Acceptor.DRAINED) {
                    return;
                } else if (c == Acceptor.AT_LIMIT || c == Acceptor.BACKOFF || c == Acceptor.NOT_LISTENING) {
                    pauseAccepting();
                    return;
                }
                // DROPPED, RETRY: the next one
            }
            if (edge && !pause.paused()) {
                loop.defer(acceptStep); // maybe more pending: no new edge will say so
            }
        }

        /** Stops watching the listener for the {@link AcceptPause}'s next pause. */
        private void pauseAccepting() {
            if (!pause.begin(loop.now())) {
                return;
            }
            try {
                loop.modify(listenFd, flags);
            } catch (NativeException e) {
                stats.errors.increment();
            }
            pauseTimer = loop.schedule(pause.millisLeft(loop.now()), resumeStep);
        }

        /** The pause is over (its time is up, or a connection closed): watch the listener again. */
        void resumeAccepting() {
            if (!pause.end()) {
                return;
            }
            if (pauseTimer != null) {
                pauseTimer.cancel();
                pauseTimer = null;
            }
            try {
                loop.modify(listenFd, Events.READ | flags); // ET: re-arms and reports pending ones
            } catch (NativeException e) {
                stats.errors.increment();
            }
        }

        private void addConnection(int fd) {
            try {
                Sockets.setTcpNoDelay(fd, true);
            } catch (NativeException ignored) {
                // not fatal
            }
            Conn conn = new Conn(this, fd, Session.create(cfg.proto, cfg, stats));
            try {
                loop.register(fd, Events.READ | flags, conn);
            } catch (FdSetSizeException e) {
                stats.rejectedFdSetSize.increment();
                log("connection fd " + fd + " >= FD_SETSIZE (" + e.limit()
                        + "): select cannot watch it; closed (other connections are unaffected)");
                Fds.closeQuietly(fd);
                stats.closed.increment();
                return;
            } catch (NativeException e) {
                stats.errors.increment();
                log("register fd " + fd + " failed: " + e.getMessage());
                Fds.closeQuietly(fd);
                stats.closed.increment();
                return;
            }
            conn.interest = Events.READ | flags;
            conn.lastActive = loop.now();
            conns = FdTables.fit(conns, fd);
            conns[fd] = conn;
            stats.active.incrementAndGet();
        }

        /** The periodic timeout check: starts a sweep unless one is still under way. */
        private void closeIdle() {
            if (sweepCursor < 0) {
                sweepCursor = 0;
                sweepSlice();
            }
        }

        /**
         * Closes up to {@link #CLOSE_SLICE} expired connections from the cursor on; the next
         * slice runs {@link #SWEEP_PAUSE_MS} later, the loop serving (and sleeping) in between.
         * Connections opened together expire together (a slowloris wave: 1,000 at once); closing
         * them in one pass stalls every other client for the whole pass, ~17 us per close here,
         * so a wave of 1,000 is spread over ~63 ms instead.
         */
        private void sweepSlice() {
            expiry.slice(loop.now());
            Conn[] cs = conns;
            int closedHere = 0;
            int i = sweepCursor;
            for (; i < cs.length && closedHere < CLOSE_SLICE; i++) {
                Conn c = cs[i];
                if (c != null && expiry.expired(c.lastActive, c.partialSince)) {
                    c.close();
                    closedHere++;
                }
            }
            if (i < cs.length) {
                sweepCursor = i;
                loop.schedule(SWEEP_PAUSE_MS, sweepStep);
            } else {
                sweepCursor = -1;
            }
        }

        ByteBuffer takeIn() {
            return inPool.take();
        }

        ByteBuffer takeOut() {
            return outPool.take();
        }

        void release(ByteBuffer b, boolean input) {
            (input ? inPool : outPool).give(b);
        }
    }

    /** One connection's state machine. */
    final class Conn implements EventLoop.Handler {
        final Worker w;
        final int fd;
        final Session session;
        ByteBuffer in;  // leftover input (write mode), or null
        ByteBuffer out; // pending output (write mode), or null
        int interest;
        boolean paused;
        boolean closing;
        boolean open = true;
        long lastActive;
        /** HTTP: when the incomplete request held in {@link #in} began; NONE when there is none. */
        long partialSince = NONE;

        Conn(Worker w, int fd, Session session) {
            this.w = w;
            this.fd = fd;
            this.session = session;
        }

        @Override
        public void onReady(int fd, int events) {
            try {
                if ((events & Events.WRITE) != 0 && out != null && !flush()) {
                    return;
                }
                if ((events & (Events.READ | Events.HUP | Events.ERR | Events.RDHUP)) != 0) {
                    if (paused || closing) {
                        if ((events & (Events.HUP | Events.ERR)) != 0) {
                            close(); // the peer is gone: pending output can never be delivered
                            return;
                        }
                    } else if (!readSome(events)) {
                        return;
                    }
                }
                updateInterest();
            } catch (RuntimeException e) {
                stats.errors.increment();
                log("connection fd " + fd + ": " + e);
                close();
            }
        }

        /** Reads (ET: until EAGAIN) and processes; false once the connection is closed. */
        private boolean readSome(int events) {
            boolean peerClosing = (events & (Events.RDHUP | Events.HUP | Events.ERR)) != 0;
            for (;;) {
                ByteBuffer buf;
                if (in != null) {
                    buf = in;
                } else {
                    buf = w.scratchIn;
                    buf.clear();
                }
                int room = buf.remaining();
                int n;
                try {
                    n = Fds.read(fd, buf);
                } catch (NativeException e) {
                    if (e.is(Errno.ECONNRESET)) {
                        stats.resets.increment();
                    }
                    close();
                    return false;
                }
                if (n == 0) {
                    return true; // EAGAIN (or a full leftover buffer)
                }
                if (n > 0) {
                    stats.bytesIn.add(n);
                    lastActive = w.loop.now();
                }
                int verdict = process(buf);
                if (!open) {
                    return false;
                }
                if (n < 0 || verdict == Session.CLOSE) {
                    closing = true;
                    if (out == null) {
                        close();
                        return false;
                    }
                    return true;
                }
                if (paused || !w.edge) {
                    return true; // LT: one read per event keeps the loop fair
                }
                if (n < room && !peerClosing && !w.signal) {
                    // ET: a short read emptied the receive queue, so anything that arrives later
                    // raises a new edge; the read that would only return EAGAIN is skipped. Not
                    // when the peer's FIN is pending (RDHUP): that EOF must still be read now.
                    // SIGNAL has no RDHUP: a FIN that came with the data is in the same report,
                    // so it reads on until EAGAIN or EOF.
                    return true;
                }
            }
        }

        /**
         * Runs the session over buf (write mode) and writes its replies, repeating while it makes
         * progress and the socket takes everything; keeps leftover input; sets {@link #paused}.
         */
        private int process(ByteBuffer buf) {
            buf.flip();
            int verdict = Session.CONTINUE;
            int initial = buf.remaining();
            for (;;) {
                ByteBuffer o;
                if (out != null) {
                    o = out;
                } else {
                    o = w.scratchOut;
                    o.clear();
                }
                int before = buf.remaining();
                if (before > 0) {
                    verdict = session.onInput(buf, o);
                }
                boolean consumed = buf.remaining() < before;
                if (o == w.scratchOut) {
                    if (o.position() > 0) {
                        o.flip();
                        if (!writeOut(o)) {
                            return Session.CLOSE;
                        }
                        if (o.hasRemaining()) {
                            out = w.takeOut();
                            out.put(o);
                        }
                    }
                } else if (!writePending()) {
                    return Session.CLOSE;
                }
                if (verdict == Session.CLOSE || !buf.hasRemaining() || !consumed || out != null) {
                    break;
                }
            }
            if (buf.hasRemaining()) {
                if (buf == w.scratchIn) {
                    in = w.takeIn();
                    in.put(buf);
                } else {
                    buf.compact();
                }
            } else if (buf == in) {
                w.release(in, true);
                in = null;
            }
            boolean wasPaused = paused;
            paused = out != null && out.remaining() < w.minOutRoom;
            if (paused && !wasPaused) {
                stats.backpressurePauses.increment();
            }
            if (w.headerTimeout > 0) {
                // leftover input while not paused is an incomplete request: its clock starts when
                // it first shows up, or anew once an earlier request in the buffer was consumed
                if (in == null || paused) {
                    partialSince = NONE;
                } else if (partialSince == NONE || in.position() < initial) {
                    partialSince = w.loop.now();
                }
            }
            return verdict;
        }

        /** Writes b (read mode) once; false (and closed) on a write error. */
        private boolean writeOut(ByteBuffer b) {
            try {
                int n = Fds.write(fd, b);
                if (n > 0) {
                    stats.bytesOut.add(n);
                    lastActive = w.loop.now();
                }
                return true;
            } catch (NativeException e) {
                if (e.is(Errno.ECONNRESET) || e.is(Errno.EPIPE)) {
                    stats.resets.increment();
                }
                close();
                return false;
            }
        }

        /** Writes pending output once, releasing the buffer when empty; false once closed. */
        private boolean writePending() {
            out.flip();
            if (!writeOut(out)) {
                return false;
            }
            out.compact();
            if (out.position() == 0) {
                w.release(out, false);
                out = null;
            }
            return true;
        }

        /** WRITE readiness: flush; close if closing and drained; resume a paused connection. */
        private boolean flush() {
            if (!writePending()) {
                return false;
            }
            if (out == null && closing) {
                close();
                return false;
            }
            // room again: resume a paused connection, and answer requests still waiting in the
            // leftover input (pipelined requests whose replies did not fit the last time)
            if (out == null || out.remaining() >= w.minOutRoom) {
                paused = false;
                if (in != null) {
                    int verdict = process(in);
                    if (!open) {
                        return false;
                    }
                    if (verdict == Session.CLOSE) {
                        closing = true;
                        if (out == null) {
                            close();
                            return false;
                        }
                    }
                }
            }
            return true;
        }

        private void updateInterest() {
            if (!open) {
                return;
            }
            int want = (paused || closing ? 0 : Events.READ) | (out != null ? Events.WRITE : 0) | w.flags;
            if (want != interest) {
                try {
                    w.loop.modify(fd, want);
                    interest = want;
                } catch (NativeException e) {
                    stats.errors.increment();
                    close();
                }
            }
        }

        void close() {
            if (!open) {
                return;
            }
            open = false;
            if (w.epoll) {
                w.loop.forget(fd); // close removes it from the epoll set
            } else {
                try {
                    w.loop.unregister(fd);
                } catch (NativeException ignored) {
                    // already gone
                }
            }
            Fds.closeQuietly(fd);
            if (in != null) {
                w.release(in, true);
                in = null;
            }
            if (out != null) {
                w.release(out, false);
                out = null;
            }
            if (fd < w.conns.length && w.conns[fd] == this) {
                w.conns[fd] = null;
            }
            stats.active.decrementAndGet();
            stats.closed.increment();
            if (w.pause.paused() && !w.stopping) {
                w.resumeAccepting(); // an fd was freed: it may take a waiting connection
            }
        }
    }
}
