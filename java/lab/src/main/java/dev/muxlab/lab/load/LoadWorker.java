package dev.muxlab.lab.load;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.muxlab.Events;
import dev.muxlab.Fds;
import dev.muxlab.NativeException;
import dev.muxlab.TimerFd;
import dev.muxlab.lab.FdTables;
import dev.muxlab.lab.Proto;
import org.HdrHistogram.Histogram;

/**
 * One load thread: an edge-triggered epoll instance, its share of the connections (ids
 * {@code index, index + threads, ...}), a read buffer and its own counters and latency histogram,
 * so the hot path shares nothing with other threads. Counters are plain fields: the generator
 * reads them after {@link Thread#join}.
 * <p>
 * Connections are opened by the {@link Dialer} (registered once for READ|WRITE|RDHUP,
 * edge-triggered, and never modified): reads drain until a short read or EAGAIN, and a write
 * that would block waits for the next report that includes WRITE. The per-message path (write,
 * read, check, record) allocates nothing.
 */
final class LoadWorker extends LoadThread {
    static final byte[] HTTP_REQUEST = "GET / HTTP/1.1\r\nHost: muxlab\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** Latencies are recorded in microseconds, up to an hour. */
    static final long HIGHEST_MICROS = 3_600_000_000L;

    private static final int NEW = 0, CONNECTING = 1, OPEN = 2, CLOSED = 3;
    private static final ByteBuffer HTTP_DIRECT = Payload.direct(HTTP_REQUEST);

    final int index;
    /**
     * Open loop: a send due sooner than this is not slept for (arming a timer costs a system call,
     * and a sleeping thread wakes ~50 us late anyway, its timer slack); the loop polls instead.
     */
    private static final long MIN_SLEEP_NANOS = 20_000L;
    /** Open loop only: a timerfd in the epoll set, armed for the next tick. */
    private int timerFd = -1;
    private long armedFor = Long.MIN_VALUE;
    private final Conn[] conns;
    private Conn[] byFd = new Conn[1024];
    private final ByteBuffer readBuf;
    private final byte[] scratch;
    private final boolean http;
    private final boolean openLoop;
    private final int msgLen;
    private final int ringMask;
    private final int maxOutstanding;
    private final int connectBatch;

    // the run's clock, set from LoadGenerator.Run once started
    private long now;
    private long windowStart = Long.MAX_VALUE;
    private long end = Long.MAX_VALUE;

    // results (read by the generator after join)
    long established;
    /** Connections open when this worker finished connecting (the share of an open-loop rate it takes). */
    int liveAfterConnect;
    int openConnections;
    int openAtEnd;
    /** Connections that got at least one complete reply (message or response) during the run. */
    int answered;
    long resets;
    long otherErrors;
    long protocolErrors;
    long mismatched;
    long non200;
    long messages;
    long messagesTotal;
    long bytesSent;
    long bytesReceived;
    long dropped;
    final Histogram histogram = new Histogram(1, HIGHEST_MICROS, 3);
    final long[] statusCounts = new long[600];
    final List<String> samples = new ArrayList<>();

    LoadWorker(int index, int threads, LoadConfig cfg, LoadGenerator.Run run) throws NativeException {
        super(cfg, run, cfg.connections / threads + 1);
        this.index = index;
        this.http = cfg.proto == Proto.HTTP;
        this.openLoop = cfg.openLoop();
        this.msgLen = http ? HTTP_REQUEST.length : cfg.size;
        int cap = 1;
        if (openLoop) {
            while (cap < cfg.maxOutstanding) {
                cap <<= 1;
            }
        }
        this.ringMask = cap - 1;
        this.maxOutstanding = cfg.maxOutstanding;
        this.connectBatch = Math.max(1, cfg.connectBatch / threads);
        int n = cfg.connections / threads + (index < cfg.connections % threads ? 1 : 0);
        this.conns = new Conn[n];
        for (int k = 0; k < n; k++) {
            conns[k] = new Conn(index + k * threads, cap);
        }
        this.readBuf = ByteBuffer.allocateDirect(cfg.readBufferBytes);
        this.scratch = new byte[cfg.readBufferBytes];
    }

    /** Connections this worker owns. */
    int size() {
        return conns.length;
    }

    @Override
    void work() throws NativeException {
        try {
            connectPhase();
        } finally {
            liveAfterConnect = openConnections;
            connected();
        }
        if (awaitStart()) {
            loadPhase();
        }
    }

    // ---- connecting ----

    private void connectPhase() throws NativeException {
        int next = 0;
        while (!stop) {
            now = System.nanoTime();
            while (dialer.inProgress() < connectBatch && next < conns.length && !stop) {
                startConnect(conns[next++]);
            }
            if (dialer.inProgress() == 0 && next >= conns.length) {
                return;
            }
            dispatch(mux.await(ready, 20));
            now = System.nanoTime();
            dialer.expire(now, fd -> byFd[fd].close());
        }
    }

    private void startConnect(Conn c) {
        int fd = dialer.dial(now);
        if (fd < 0) {
            c.state = CLOSED;
            return;
        }
        c.fd = fd;
        byFd = FdTables.fit(byFd, fd);
        byFd[fd] = c;
        if (dialer.connecting(fd)) {
            c.state = CONNECTING;
        } else {
            connectedOk(c);
        }
    }

    private void connectedOk(Conn c) {
        c.state = OPEN;
        established++;
        openConnections++;
    }

    private void sample(String s) {
        if (samples.size() < cfg.maxErrorSamples) {
            samples.add(s);
        }
    }

    // ---- the measured run ----

    /** Services events (EOFs, resets) until the generator says go; false if told to stop instead. */
    private boolean awaitStart() throws NativeException {
        while (!run.started()) {
            if (stop) {
                return false;
            }
            int n = mux.await(ready, 10);
            now = System.nanoTime();
            dispatch(n);
        }
        windowStart = run.windowStart;
        end = run.end;
        return !stop;
    }

    private void loadPhase() throws NativeException {
        if (openLoop) {
            timerFd = TimerFd.open();
            try {
                mux.register(timerFd, Events.READ);
                pacedLoad();
            } finally {
                int t = timerFd;
                timerFd = -1;
                Fds.close(t); // closing also removes it from the epoll set
            }
        } else {
            pacedLoad();
        }
    }

    private void pacedLoad() throws NativeException {
        Conn[] live = new Conn[openConnections];
        int nLive = 0;
        for (Conn c : conns) {
            if (c.state == OPEN) {
                live[nLive++] = c;
            }
        }
        // open loop: this worker's ticks, round-robin over its live connections, are one
        // fixed-interval schedule per connection; threads are staggered within an interval
        double tickNanos = 0;
        long tickBase = 0;
        long tick = 0;
        long nextTick = Long.MAX_VALUE;
        int rr = 0;
        if (openLoop && nLive > 0) {
            // this worker's share of the rate, by its connections open when connecting ended
            double workerRate = cfg.rate * Math.max(1, liveAfterConnect) / Math.max(1, run.live);
            tickNanos = 1e9 / workerRate;
            tickBase = run.t0 + (long) (tickNanos * index / run.threads);
            nextTick = tickBase;
        }
        if (!openLoop) {
            for (int k = 0; k < nLive; k++) {
                Conn c = live[k];
                if (c.state == OPEN) {
                    now = System.nanoTime();
                    c.schedSeq = 1;
                    c.flush();
                }
            }
        }
        while (!stop) {
            now = System.nanoTime();
            if (now >= end) {
                break;
            }
            int budget = 4096; // a far-behind schedule still leaves room for IO
            while (nextTick <= now && budget-- > 0) {
                Conn c = live[rr];
                if (++rr == nLive) {
                    rr = 0;
                }
                if (c.state == OPEN) {
                    c.scheduleAt(nextTick);
                }
                tick++;
                nextTick = tickBase + (long) (tick * tickNanos);
                now = System.nanoTime();
            }
            long deadline = Math.min(end, nextTick);
            long wait = deadline - now;
            long timeout;
            if (wait <= 0 || (openLoop && wait < MIN_SLEEP_NANOS)) {
                timeout = 0; // behind or about due: look at IO, then go on sending
            } else if (openLoop) {
                // epoll_wait counts milliseconds; the timerfd wakes this thread at the tick itself,
                // so it sleeps (and is not a runnable spinner) between sends
                if (deadline != armedFor) {
                    TimerFd.arm(timerFd, wait);
                    armedFor = deadline;
                }
                timeout = 100;
            } else {
                timeout = Math.min(100, (wait + 999_999L) / 1_000_000L);
            }
            dispatch(mux.await(ready, timeout));
        }
        now = System.nanoTime();
    }

    private void dispatch(int n) throws NativeException {
        Conn[] table = byFd;
        for (int i = 0; i < n; i++) {
            int fd = ready.fd(i);
            if (fd == timerFd) {
                TimerFd.read(fd); // re-armed by the loop for the next tick
                continue;
            }
            Conn c = fd < table.length ? table[fd] : null;
            if (c != null && c.fd == fd) {
                now = System.nanoTime();
                c.onReady(ready.events(i));
            }
        }
    }

    private boolean inWindow() {
        return now >= windowStart && now < end;
    }

    private void record(long nanos) {
        long us = (nanos + 500) / 1000;
        histogram.recordValue(us < 1 ? 1 : Math.min(us, HIGHEST_MICROS));
    }

    @Override
    void closeAll() {
        int open = 0;
        int replied = 0;
        for (Conn c : conns) {
            if (c.state == OPEN) {
                open++;
            }
            if (c.recvSeq > 0) {
                replied++;
            }
            if (c.state != CLOSED && c.state != NEW) {
                c.close();
            }
        }
        openAtEnd = open;
        answered = replied;
    }

    /** One connection: its fd, what has been scheduled, sent and received, and its checker. */
    final class Conn {
        final int id;
        int fd = -1;
        int state = NEW;
        /** Start time of message seq at starts[seq & ringMask]: scheduled (open loop) or first byte written. */
        final long[] starts;
        /** Messages scheduled; fully written; fully received. */
        long schedSeq;
        long sendSeq;
        long recvSeq;
        int sendOff;
        int sendStart;
        long sentBytes;
        long recvBytes;
        boolean writeBlocked;
        final ByteBuffer view;
        final EchoChecker checker;
        final HttpResponseParser parser;

        Conn(int id, int cap) {
            this.id = id;
            this.starts = new long[cap];
            if (http) {
                this.view = HTTP_DIRECT.duplicate();
                this.checker = null;
                this.parser = new HttpResponseParser(statusCounts);
            } else {
                this.view = Payload.view();
                this.checker = new EchoChecker(id, cfg.size, cfg.maxErrorSamples, LoadWorker.this::sample);
                this.parser = null;
                this.sendStart = Payload.start(id, 0);
            }
        }

        void onReady(int events) {
            if (state == CONNECTING) {
                int r = dialer.complete(fd, events);
                if (r == Dialer.FAILED) {
                    close();
                }
                if (r != Dialer.CONNECTED) {
                    return;
                }
                connectedOk(this);
            }
            if (state != OPEN) {
                return;
            }
            if ((events & (Events.READ | Events.RDHUP | Events.HUP | Events.ERR)) != 0
                    && !readAll((events & (Events.RDHUP | Events.HUP | Events.ERR)) != 0)) {
                return;
            }
            if ((events & Events.WRITE) != 0) {
                writeBlocked = false;
            }
            if (sendSeq < schedSeq && !writeBlocked) {
                flush();
            }
        }

        /** Open loop: message schedSeq is due at {@code intended}. */
        void scheduleAt(long intended) {
            if (schedSeq - recvSeq >= maxOutstanding) {
                if (intended >= windowStart) {
                    dropped++;
                }
                return;
            }
            starts[(int) (schedSeq & ringMask)] = intended;
            schedSeq++;
            if (!writeBlocked) {
                flush();
            }
        }

        /** Writes scheduled messages until done or the socket is full; false if the connection died. */
        boolean flush() {
            final ByteBuffer v = view;
            while (sendSeq < schedSeq) {
                int n;
                if (http) {
                    v.limit(msgLen).position(sendOff);
                } else {
                    int idx = Payload.index(sendStart, sendOff);
                    int len = Math.min(msgLen - sendOff, Payload.LENGTH - idx);
                    v.limit(idx + len).position(idx);
                }
                try {
                    n = Fds.write(fd, v);
                } catch (NativeException e) {
                    lost(e.errno());
                    return false;
                }
                if (n == 0) {
                    writeBlocked = true;
                    return true;
                }
                if (sendOff == 0 && !openLoop) {
                    starts[(int) (sendSeq & ringMask)] = now;
                }
                sendOff += n;
                sentBytes += n;
                if (inWindow()) {
                    bytesSent += n;
                }
                if (sendOff == msgLen) {
                    sendSeq++;
                    sendOff = 0;
                    if (!http) {
                        sendStart = Payload.start(id, sendSeq);
                    }
                }
            }
            return true;
        }

        /** Reads until EAGAIN (or a short read, unless the peer hung up); false if the connection died. */
        private boolean readAll(boolean drain) {
            final ByteBuffer b = readBuf;
            final int cap = b.capacity();
            for (;;) {
                b.clear();
                int n;
                try {
                    n = Fds.read(fd, b);
                } catch (NativeException e) {
                    lost(e.errno());
                    return false;
                }
                if (n < 0) {
                    lost(ErrorTally.EOF);
                    return false;
                }
                if (n == 0) {
                    return true;
                }
                recvBytes += n;
                if (inWindow()) {
                    bytesReceived += n;
                }
                b.get(0, scratch, 0, n);
                if (!(http ? httpInput(n) : echoInput(n))) {
                    return false;
                }
                if (n < cap && !drain) {
                    return true;
                }
            }
        }

        private boolean echoInput(int n) {
            long outstanding = sentBytes - (recvBytes - n);
            int ok = (int) Math.min(n, outstanding);
            if (ok < n) {
                mismatched += n - ok;
                sample("connection " + id + ": " + (n - ok) + " bytes came back that were never sent");
            }
            long before = checker.mismatched;
            int done = checker.consume(scratch, 0, ok);
            mismatched += checker.mismatched - before;
            for (int k = 0; k < done; k++) {
                complete();
            }
            return true;
        }

        private boolean httpInput(int n) {
            long before = parser.non200;
            int done = parser.consume(scratch, 0, n);
            non200 += parser.non200 - before;
            if (done < 0) {
                protocolErrors++;
                errors.count(ErrorTally.PROTOCOL);
                sample("connection " + id + ": bad HTTP response: " + parser.error());
                close();
                return false;
            }
            for (int k = 0; k < done; k++) {
                if (recvSeq >= sendSeq) {
                    protocolErrors++;
                    errors.count(ErrorTally.PROTOCOL);
                    sample("connection " + id + ": a response arrived for a request that was not sent");
                    close();
                    return false;
                }
                complete();
            }
            return true;
        }

        private void complete() {
            long start = starts[(int) (recvSeq & ringMask)];
            recvSeq++;
            messagesTotal++;
            if (inWindow()) {
                messages++;
                record(now - start);
            }
            if (!openLoop && now < end) {
                schedSeq++;
            }
        }

        /** The connection failed with {@code code} (an errno or {@link ErrorTally#EOF}): count it and close. */
        private void lost(int code) {
            if (ErrorTally.closedByPeer(code)) {
                resets++;
            } else {
                otherErrors++;
            }
            errors.count(code);
            close();
        }

        void close() {
            if (state == OPEN) {
                openConnections--;
            } else if (state == CONNECTING) {
                dialer.forget(fd);
            }
            state = CLOSED;
            if (fd >= 0) {
                if (fd < byFd.length && byFd[fd] == this) {
                    byFd[fd] = null;
                }
                Fds.closeQuietly(fd);
            }
        }
    }
}
