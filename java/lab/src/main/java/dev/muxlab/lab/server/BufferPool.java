package dev.muxlab.lab.server;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Direct buffers of one size that an event loop lends to connections while they hold leftover
 * input or pending output (the reactors, {@code nio}, {@code uring}'s input): taken and given
 * back last in, first out (the most recently used one is likely still in cache); at most
 * {@link #MAX} are kept, so a burst of many connections with leftovers does not pin its buffers
 * for good. One per loop thread; not thread-safe.
 */
final class BufferPool {
    /** Buffers kept for reuse at most. */
    static final int MAX = 256;
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private final int size;

    BufferPool(int size) {
        this.size = size;
    }

    /** A cleared buffer: a pooled one, or a new one when the pool is empty. */
    ByteBuffer take() {
        ByteBuffer b = free.pollFirst();
        return b != null ? b : ByteBuffer.allocateDirect(size);
    }

    /** Clears b and keeps it for the next {@link #take} (unless {@link #MAX} are kept already). */
    void give(ByteBuffer b) {
        b.clear();
        if (free.size() < MAX) {
            free.addFirst(b);
        }
    }
}
