package dev.muxlab.lab.server;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Buffers of one size shared by the threads of a thread-per-connection server (blocking,
 * threadpool, virtual): a connection takes one when it needs it and gives it back when done, so
 * buffers are reused across connections instead of allocated for each (for direct buffers that
 * also means no native memory waiting for a collection to free it), and a buffer needed only
 * while answering is not held by an idle connection. Taken and given back last in, first out; at
 * most {@link BufferPool#MAX} are kept. Thread-safe: a short monitor, never held across IO.
 */
final class SharedBufferPool {
    private final ByteBuffer[] free = new ByteBuffer[BufferPool.MAX];
    private final int size;
    private final boolean direct;
    private int count;
    private final AtomicInteger lent = new AtomicInteger();

    /** Buffers of {@code size} bytes, direct (native memory) or heap byte arrays. */
    SharedBufferPool(int size, boolean direct) {
        this.size = size;
        this.direct = direct;
    }

    /** A cleared buffer: a pooled one, or a new one when none is free. */
    ByteBuffer take() {
        lent.incrementAndGet();
        synchronized (this) {
            if (count > 0) {
                ByteBuffer b = free[--count];
                free[count] = null;
                return b;
            }
        }
        return direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.wrap(new byte[size]);
    }

    /** Clears b and keeps it, unless {@link BufferPool#MAX} are kept already. */
    void give(ByteBuffer b) {
        lent.decrementAndGet();
        b.clear();
        synchronized (this) {
            if (count < free.length) {
                free[count++] = b;
            }
        }
    }

    /** Buffers kept for reuse now. */
    synchronized int kept() {
        return count;
    }

    /** Buffers taken and not yet given back. */
    int lent() {
        return lent.get();
    }
}
