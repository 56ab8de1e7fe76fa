package dev.tandem.it.app;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.Random;

/**
 * The pseudo-random byte stream the scenario tests move around, the same as {@code Exchange}'s sender: a
 * {@link Random} seeded with the stream's length, drawn 64 KiB at a time. Produced a chunk at a time, or checked a
 * buffer at a time against what was received, so no transfer holds a whole body.
 */
final class SeededStream {

    static final int CHUNK = 64 * 1024;

    private final Random random;
    private final byte[] chunk = new byte[CHUNK];
    private int used = CHUNK;
    private long left;

    SeededStream(long length) {
        this.random = new Random(length);
        this.left = length;
    }

    long remaining() {
        return left;
    }

    /** The next piece of the stream (at most 64 KiB) in a new buffer; the caller owns it. */
    ByteBuf next(ByteBufAllocator alloc) {
        int n = take(Integer.MAX_VALUE);
        return alloc.buffer(n).writeBytes(chunk, used - n, n);
    }

    /**
     * Checks {@code received}'s readable bytes against the stream and moves past them; false if any differs or the
     * bytes run past the stream's end. Leaves the buffer untouched.
     */
    boolean matches(ByteBuf received) {
        boolean same = true;
        int index = received.readerIndex();
        int end = received.writerIndex();
        while (index < end) {
            if (left == 0) {
                return false;
            }
            int n = take(end - index);
            same &= received.nioBuffer(index, n).equals(ByteBuffer.wrap(chunk, used - n, n));
            index += n;
        }
        return same;
    }

    /** Advances over up to {@code max} bytes of the current 64 KiB draw, drawing the next one first if it is spent. */
    private int take(int max) {
        if (used == CHUNK) {
            // Always a full draw, as Exchange does, so the last partial chunk is the same prefix.
            random.nextBytes(chunk);
            used = 0;
        }
        int n = (int) Math.min(Math.min(CHUNK - used, left), max);
        used += n;
        left -= n;
        return n;
    }
}
