package dev.tandem.core.origdst;

import dev.tandem.core.addr.OrigDstAddr;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;

/** Answers the same destination for every connection: for tests that run listeners without interception rules. */
public record FixedDestination(InetSocketAddress destination) implements OriginalDestination {

    @Override
    public OrigDstAddr resolve(Channel accepted) {
        return new OrigDstAddr(destination);
    }
}
