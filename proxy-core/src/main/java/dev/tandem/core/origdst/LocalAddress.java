package dev.tandem.core.origdst;

import dev.tandem.core.addr.OrigDstAddr;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;

/** TPROXY leaves packets unchanged, so the accepted socket's local address is the original destination. */
public final class LocalAddress implements OriginalDestination {

    public static final LocalAddress INSTANCE = new LocalAddress();

    private LocalAddress() {
    }

    @Override
    public OrigDstAddr resolve(Channel accepted) {
        return new OrigDstAddr((InetSocketAddress) accepted.localAddress());
    }
}
