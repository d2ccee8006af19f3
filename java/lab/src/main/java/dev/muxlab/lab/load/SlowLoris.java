package dev.muxlab.lab.load;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.muxlab.Events;
import dev.muxlab.Fds;
import dev.muxlab.NativeException;
import dev.muxlab.lab.FdTables;
import org.HdrHistogram.Histogram;

/**
 * The slowloris connections of a run ({@link LoadConfig#slow}): one thread with its own
 * edge-triggered epoll instance keeps N connections open, each trickling an HTTP request header
 * that never ends ({@link #HEADER}, then {@code 'a'} forever), one byte every
 * {@link LoadConfig#slowIntervalMillis}. When the server closes one (EOF, ECONNRESET, EPIPE), its
 * lifetime is recorded and a replacement is connected at once; a failed connect is retried one
 * interval later.
 * <p>
 * State is kept per slot in parallel arrays. The bytes are spread evenly over the interval, not
 * sent in one burst: the interval is cut into B ticks of at least a millisecond, and slot s sends
 * at tick s mod B of every round (its first byte goes at once when it connects, the second at its
 * tick once half an interval has passed). Sending a byte, reading what the server sends and
 * closing allocate nothing.
 */
final class SlowLoris extends LoadThread {
    /** The header's first bytes; its last byte, 'a', repeats forever. */
    static final byte[] HEADER = "GET /slow HTTP/1.1\r\nHost: x\r\nX-Slow: a".getBytes(StandardCharsets.US_ASCII);
    /** Lifetimes are recorded in milliseconds, up to a day. */
    static final long HIGHEST_MILLIS = 86_400_000L;

    /** IDLE: queued to connect; RETRY: a connect failed, tried again an interval later. */
    private static final byte IDLE = 0, CONNECTING = 1, OPEN = 2, RETRY = 3;
    private static final ByteBuffer HEADER_DIRECT = Payload.direct(HEADER);

    private final ByteBuffer out = HEADER_DIRECT.duplicate();
    private final ByteBuffer sink = ByteBuffer.allocateDirect(4096);
    private final long intervalNanos;
    private final int connectBatch;
    /** Ticks per interval, and a tick's length. */
    private final int ticks;
    private final long tickNanos;

    // per slot
    private final int n;
    private final int[] fds;
    private final byte[] state;
    /** OPEN: when the connect completed; RETRY: when the connect failed. */
    private final long[] since;
    private final long[] lastSend;
    private final long[] sent;
    /** Whether the current connection has received any byte. */
    private final boolean[] heard;
    /**
     * Slots whose first connect has ended (connected or failed), and how many: the run starts once
     * all have. Not "nothing in progress and nothing queued": a server whose header timeout
     * closes the first connections while later ones still connect sends slots back to the queue
     * as fast as others leave it, and that moment may never come.
     */
    private final boolean[] firstDone;
    private int tried;
    /** fd to slot + 1 (0: none). */
    private int[] slotByFd = new int[1024];

    /** Slots waiting to connect (each IDLE slot at most once, so n entries suffice). */
    private final int[] connectQ;
    private int cqHead;
    private int cqSize;

    /** The run's tick 0, and the next tick to process. */
    private long t0;
    private long nextTick;

    private long now;
    private long end = Long.MAX_VALUE;

    // results (read by the generator after join)
    long opened;
    long closedByServer;
    long otherErrors;
    /** Connections that received any byte from the server (e.g. a 408 or 431 before the close). */
    long replied;
    long bytesSent;
    int openAtEnd;
    /** Lifetimes (connect completed to closed by the server) in milliseconds. */
    final Histogram lifetimes = new Histogram(1, HIGHEST_MILLIS, 3);

    SlowLoris(LoadConfig cfg, LoadGenerator.Run run) throws NativeException {
        super(cfg, run, cfg.slow);
        this.n = cfg.slow;
        this.intervalNanos = cfg.slowIntervalMillis * 1_000_000L;
        this.connectBatch = Math.max(1, cfg.connectBatch);
        this.ticks = (int) Math.max(1, Math.min(n, cfg.slowIntervalMillis));
        this.tickNanos = intervalNanos / ticks;
        this.fds = new int[n];
        this.state = new byte[n];
        this.since = new long[n];
        this.lastSend = new long[n];
        this.sent = new long[n];
        this.heard = new boolean[n];
        this.firstDone = new boolean[n];
        this.connectQ = new int[n];
        Arrays.fill(fds, -1);
        for (int s = 0; s < n; s++) {
            connectQ[s] = s;
        }
        cqSize = n;
    }

    @Override
    void work() throws NativeException {
        t0 = System.nanoTime();
        boolean started = false;
        while (!stop) {
            now = System.nanoTime();
            if (!started && run.started()) {
                started = true;
                end = run.end;
            }
            if (now >= end) {
                return;
            }
            startConnects();
            if (tried == n) {
                connected(); // every slot connected or failed once: the run may start
            }
            sendDue();
            dialer.expire(now, fd -> connectFailed(slotByFd[fd] - 1));
            long next = Math.min(end, t0 + nextTick * tickNanos);
            long wait = next - now;
            long timeout = wait <= 0 ? 0 : Math.min(100, (wait + 999_999L) / 1_000_000L);
            if (dialer.inProgress() > 0) {
                timeout = Math.min(timeout, 20);
            }
            if (cqSize > 0 && dialer.inProgress() < connectBatch) {
                timeout = 0;
            }
            int k = mux.await(ready, timeout);
            now = System.nanoTime();
            for (int i = 0; i < k; i++) {
                int fd = ready.fd(i);
                int s = fd < slotByFd.length ? slotByFd[fd] - 1 : -1;
                if (s >= 0 && fds[s] == fd) {
                    onReady(s, ready.events(i));
                }
            }
        }
    }

    // ---- connecting ----

    private void startConnects() {
        while (cqSize > 0 && dialer.inProgress() < connectBatch) {
            int s = connectQ[cqHead];
            cqHead = cqHead + 1 == n ? 0 : cqHead + 1;
            cqSize--;
            connect(s);
        }
    }

    /** Connects slot s (with TCP_NODELAY, as configured: one segment per byte, not coalesced by Nagle). */
    private void connect(int s) {
        int fd = dialer.dial(now);
        if (fd < 0) {
            retryLater(s);
            return;
        }
        fds[s] = fd;
        slotByFd = FdTables.fit(slotByFd, fd);
        slotByFd[fd] = s + 1;
        if (dialer.connecting(fd)) {
            state[s] = CONNECTING;
        } else {
            connected(s);
        }
    }

    private void connected(int s) {
        firstDone(s);
        state[s] = OPEN;
        since[s] = now;
        sent[s] = 0;
        heard[s] = false;
        opened++;
        sendByte(s); // the server's header clock starts now
    }

    /** The connect of slot s failed (counted by the dialer): close it, try again later. */
    private void connectFailed(int s) {
        closeSlot(s);
        retryLater(s);
    }

    /** The slot tries to connect again about an interval later. */
    private void firstDone(int s) {
        if (!firstDone[s]) {
            firstDone[s] = true;
            tried++;
        }
    }

    private void retryLater(int s) {
        firstDone(s);
        state[s] = RETRY;
        since[s] = now;
    }

    // ---- the trickle ----

    /** Runs the ticks that are due: their open slots send a byte, their failed ones try again. */
    private void sendDue() {
        long current = (now - t0) / tickNanos;
        if (current - nextTick >= ticks) {
            nextTick = current - ticks + 1; // far behind (a pause): at most one byte per slot
        }
        long half = intervalNanos / 2;
        for (; nextTick <= current; nextTick++) {
            for (int s = (int) (nextTick % ticks); s < n; s += ticks) {
                if (state[s] == OPEN) {
                    if (now - lastSend[s] >= half) {
                        sendByte(s);
                    }
                } else if (state[s] == RETRY && now - since[s] >= intervalNanos) {
                    queueConnect(s);
                }
            }
        }
    }

    private void sendByte(int s) {
        int idx = (int) Math.min(sent[s], HEADER.length - 1);
        out.limit(idx + 1).position(idx);
        try {
            lastSend[s] = now;
            if (Fds.write(fds[s], out) == 1) { // 0: the socket is full; skip a beat
                sent[s]++;
                bytesSent++;
            }
        } catch (NativeException e) {
            lost(s, e.errno());
        }
    }

    private void onReady(int s, int events) {
        if (state[s] == CONNECTING) {
            int r = dialer.complete(fds[s], events);
            if (r == Dialer.FAILED) {
                connectFailed(s);
            }
            if (r != Dialer.CONNECTED) {
                return;
            }
            connected(s);
        }
        if (state[s] != OPEN || (events & (Events.READ | Events.RDHUP | Events.HUP | Events.ERR)) == 0) {
            return;
        }
        // edge-triggered: drain; whatever the server says is counted, not parsed
        final ByteBuffer b = sink;
        for (;;) {
            b.clear();
            int r;
            try {
                r = Fds.read(fds[s], b);
            } catch (NativeException e) {
                lost(s, e.errno());
                return;
            }
            if (r < 0) {
                lost(s, ErrorTally.EOF);
                return;
            }
            if (r == 0) {
                return;
            }
            if (!heard[s]) {
                heard[s] = true;
                replied++;
            }
        }
    }

    /** An open connection ended with {@code code}: the server closed it (EOF, ECONNRESET, EPIPE) or another error. */
    private void lost(int s, int code) {
        if (ErrorTally.closedByPeer(code)) {
            closedByServer++;
            long ms = (now - since[s]) / 1_000_000L;
            lifetimes.recordValue(Math.max(0, Math.min(ms, HIGHEST_MILLIS)));
        } else {
            otherErrors++;
        }
        errors.count(code);
        closeSlot(s);
        queueConnect(s); // the replacement, at once
    }

    private void queueConnect(int s) {
        state[s] = IDLE;
        int tail = cqHead + cqSize;
        connectQ[tail >= n ? tail - n : tail] = s;
        cqSize++;
    }

    /** Closes the slot's fd (if any). */
    private void closeSlot(int s) {
        int fd = fds[s];
        if (fd >= 0) {
            dialer.forget(fd);
            if (fd < slotByFd.length && slotByFd[fd] == s + 1) {
                slotByFd[fd] = 0;
            }
            Fds.closeQuietly(fd);
            fds[s] = -1;
        }
        state[s] = IDLE;
    }

    @Override
    void closeAll() {
        int open = 0;
        for (int s = 0; s < n; s++) {
            if (state[s] == OPEN) {
                open++;
            }
            closeSlot(s);
        }
        openAtEnd = open;
    }
}
