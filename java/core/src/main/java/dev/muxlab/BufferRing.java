package dev.muxlab;

import java.nio.ByteBuffer;

/**
 * A provided-buffer ring ({@code IORING_REGISTER_PBUF_RING}, Linux 5.19) registered with a
 * {@link Ring} as one buffer group: {@link #count()} buffers of {@link #bufferSize()} bytes, back
 * to back in one direct memory block this object owns, plus a ring of buffer descriptors shared
 * with the kernel. A {@link Ring#recv} that selects from this group lets the kernel pick a free
 * buffer when data arrives, instead of the caller committing a buffer per connection in advance;
 * the completion names the buffer ({@link Completions#bufferId}).
 * <p>
 * A buffer named in a completion belongs to the caller until {@link #recycle} gives it back (a
 * store to the shared ring's tail; no system call). When every buffer is out, the kernel ends
 * multishot recvs of this group with {@code -ENOBUFS}: recycle, then queue them again.
 * <p>
 * Read a buffer with absolute access through {@link #memory()} at {@link #offset(int)}, or
 * {@link #copy} it out; both allocate nothing. Used on its ring's thread;
 * {@link #close()} unregisters the group (so does closing the ring).
 */
public final class BufferRing implements AutoCloseable {
    private final Ring ring;
    private final long handle;
    private final int group;
    private final int count;
    private final int size;
    private final ByteBuffer memory;
    private volatile boolean closed;

    BufferRing(Ring ring, long handle, int group, int count, int size, ByteBuffer memory) {
        this.ring = ring;
        this.handle = handle;
        this.group = group;
        this.count = count;
        this.size = size;
        this.memory = memory;
    }

    /** The buffer group id the kernel knows this ring by. */
    public int group() {
        return group;
    }

    /** How many buffers. */
    public int count() {
        return count;
    }

    /** Bytes per buffer. */
    public int bufferSize() {
        return size;
    }

    /**
     * All buffers as one direct ByteBuffer (buffer {@code bid} at {@link #offset(int)}). Shared:
     * use absolute gets, and do not rely on its position or limit.
     */
    public ByteBuffer memory() {
        return memory;
    }

    /** Where buffer {@code bid} starts in {@link #memory()}. */
    public int offset(int bid) {
        checkBid(bid);
        return bid * size;
    }

    /**
     * Copies the first {@code length} bytes of buffer {@code bid} (a completion's result) into
     * {@code dst} at its position, advancing it.
     *
     * @throws java.nio.BufferOverflowException if dst has less room than length
     */
    public void copy(int bid, int length, ByteBuffer dst) {
        checkBid(bid);
        if (length < 0 || length > size) {
            throw new IllegalArgumentException("length " + length + " not in 0.." + size);
        }
        if (dst.remaining() < length) {
            throw new java.nio.BufferOverflowException();
        }
        int pos = dst.position();
        dst.put(pos, memory, bid * size, length);
        dst.position(pos + length);
    }

    /**
     * Gives buffer {@code bid} back to the kernel. Give each buffer back once, after its data
     * was used: a buffer given back twice may be handed out twice.
     */
    public void recycle(int bid) {
        checkOpen();
        checkBid(bid);
        ring.recycle(this, handle, bid);
    }

    /** Unregisters the group; recvs armed on it end. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ring.isOpen()) {
            ring.unregister(this, handle);
        }
    }

    Ring ring() {
        return ring;
    }

    void markClosed() {
        closed = true;
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("buffer ring (group " + group + ") is closed");
        }
    }

    private void checkBid(int bid) {
        if (bid < 0 || bid >= count) {
            throw new IndexOutOfBoundsException("buffer id " + bid + " not in 0.." + (count - 1));
        }
    }

    @Override
    public String toString() {
        return "BufferRing[group " + group + ", " + count + " x " + size + " bytes" + (closed ? ", closed" : "") + "]";
    }
}
