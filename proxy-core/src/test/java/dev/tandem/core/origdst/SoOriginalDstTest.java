package dev.tandem.core.origdst;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The kernel's sockaddr structures, as getsockopt fills them, decode to the address they hold. */
class SoOriginalDstTest {

    @Test
    void decodesSockaddrIn() throws IOException {
        ByteBuffer raw = ByteBuffer.allocate(16);
        raw.order(ByteOrder.nativeOrder()).putShort(0, (short) 2);
        raw.order(ByteOrder.BIG_ENDIAN).putShort(2, (short) 8080);
        raw.put(4, new byte[] {10, (byte) 200, 0, 3});

        InetSocketAddress address = SoOriginalDst.decode(raw);

        assertThat(address.getAddress().getHostAddress()).isEqualTo("10.200.0.3");
        assertThat(address.getPort()).isEqualTo(8080);
    }

    @Test
    void decodesSockaddrIn6WithAHighPort() throws IOException {
        ByteBuffer raw = ByteBuffer.allocate(28);
        raw.order(ByteOrder.nativeOrder()).putShort(0, (short) 10);
        raw.order(ByteOrder.BIG_ENDIAN).putShort(2, (short) 65000);
        byte[] ip = new byte[16];
        ip[0] = (byte) 0xfd;
        ip[15] = 3;
        raw.put(8, ip);

        InetSocketAddress address = SoOriginalDst.decode(raw);

        assertThat(address.getAddress().getHostAddress()).isEqualTo("fd00:0:0:0:0:0:0:3");
        assertThat(address.getPort()).isEqualTo(65000);
    }

    @Test
    void refusesAnUnknownFamily() {
        ByteBuffer raw = ByteBuffer.allocate(16);
        raw.order(ByteOrder.nativeOrder()).putShort(0, (short) 1);
        assertThatThrownBy(() -> SoOriginalDst.decode(raw)).hasMessageContaining("unknown address family 1");
    }

    @Test
    void aFallbackAnswersWhenTheFirstLookupHasNone() throws IOException {
        var fixed = new FixedDestination(new InetSocketAddress("127.0.0.1", 9));
        OriginalDestination none = channel -> {
            throw new IOException("no conntrack entry");
        };
        assertThat(none.orElse(fixed).resolve(null).port()).isEqualTo(9);
    }
}
