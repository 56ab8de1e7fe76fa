package dev.tandem.core.origdst;

import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.config.InterceptionMode;
import io.netty.channel.Channel;
import java.io.IOException;

/**
 * Finds where an accepted connection was headed before interception. Everything that asks the kernel goes through
 * this interface, so tests can fix the answer.
 */
@FunctionalInterface
public interface OriginalDestination {

    OrigDstAddr resolve(Channel accepted) throws IOException;

    /** This lookup, or {@code fallback} when this one has no answer. */
    default OriginalDestination orElse(OriginalDestination fallback) {
        return accepted -> {
            try {
                return resolve(accepted);
            } catch (IOException e) {
                return fallback.resolve(accepted);
            }
        };
    }

    /**
     * The kernel's answer for a listener intercepted in the given mode. A TPROXY listener sees the original address as
     * its local address; it still asks conntrack first because the proxy's own call to its pod IP arrives by REDIRECT.
     */
    static OriginalDestination forMode(InterceptionMode mode) {
        return switch (mode) {
            case REDIRECT -> SoOriginalDst.INSTANCE;
            case TPROXY -> SoOriginalDst.INSTANCE.orElse(LocalAddress.INSTANCE);
        };
    }
}
