package dev.tandem.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class GrpcMessagesTest {

    /** A message as gRPC frames it: no compression, a big-endian length, the bytes. */
    private static ByteBuf message(int length) {
        ByteBuf out = Unpooled.buffer();
        out.writeByte(0).writeInt(length).writeZero(length);
        return out;
    }

    private static void add(GrpcMessages messages, ByteBuf data) {
        try {
            messages.add(data);
        } finally {
            data.release();
        }
    }

    @Test
    void severalMessagesInOneFrameAreEachCounted() {
        var messages = new GrpcMessages();

        add(messages, Unpooled.wrappedBuffer(message(3), message(0), message(300)));

        assertThat(messages.count()).isEqualTo(3);
    }

    @Test
    void aMessageSplitAcrossFramesEvenInsideItsPrefixCountsOnce() {
        var messages = new GrpcMessages();
        ByteBuf whole = Unpooled.wrappedBuffer(message(70_000), message(5));
        int[] cuts = {2, 7, 40_000, 70_003, 70_006, whole.readableBytes()};

        int from = 0;
        for (int cut : cuts) {
            add(messages, whole.retainedSlice(from, cut - from));
            from = cut;
        }
        whole.release();

        assertThat(messages.count()).isEqualTo(2);
    }

    @Test
    void aFrameDoesNotMoveTheBuffersReaderIndex() {
        var messages = new GrpcMessages();
        ByteBuf data = message(10);

        messages.add(data);

        assertThat(data.readableBytes()).as("the frame still goes on whole").isEqualTo(15);
        data.release();
    }
}
