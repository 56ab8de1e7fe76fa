package dev.tandem.core.http;

import io.netty.buffer.ByteBuf;

/**
 * Counts the messages of one direction of a gRPC call as they pass in DATA frames: each is a one-byte flag, a four-byte
 * length and that many bytes, and a frame may hold several messages or a piece of one. A message counts once its
 * five-byte prefix has passed, as Envoy's gRPC statistics count it.
 */
final class GrpcMessages {

    private static final int PREFIX = 5;

    private int prefixRead;
    private long length;
    private long remaining;
    private long count;

    void add(ByteBuf data) {
        int i = data.readerIndex();
        int end = data.writerIndex();
        while (i < end) {
            if (remaining > 0) {
                int skip = (int) Math.min(remaining, end - i);
                i += skip;
                remaining -= skip;
                continue;
            }
            int b = data.getUnsignedByte(i++);
            if (prefixRead > 0) {
                length = length << 8 | b;
            }
            if (++prefixRead == PREFIX) {
                count++;
                remaining = length;
                prefixRead = 0;
                length = 0;
            }
        }
    }

    long count() {
        return count;
    }
}
