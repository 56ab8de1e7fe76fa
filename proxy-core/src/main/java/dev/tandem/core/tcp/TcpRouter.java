package dev.tandem.core.tcp;

import dev.tandem.core.ResponseFlag;
import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.connect.UpstreamTarget;
import java.util.function.Consumer;

/** Decides where an opaque TCP connection goes. */
@FunctionalInterface
public interface TcpRouter {

    /** Where to connect, and what to give back when the connection ends; or why the connection is refused. */
    record Decision(UpstreamTarget target, Consumer<Boolean> connected, Runnable release, ResponseFlag refusal,
            String detail, String cluster, String service) {

        private static final Consumer<Boolean> IGNORE = ok -> { };
        private static final Runnable NOTHING = () -> { };

        public static Decision to(UpstreamTarget target) {
            return new Decision(target, IGNORE, NOTHING, null, null, null, null);
        }

        /** To a target, told whether the connect succeeded and, once the connection ends, to release what it held. */
        public static Decision to(UpstreamTarget target, Consumer<Boolean> connected, Runnable release) {
            return new Decision(target, connected, release, null, null, null, null);
        }

        public static Decision refuse(ResponseFlag flag, String detail) {
            return new Decision(null, IGNORE, NOTHING, flag, detail, null, null);
        }

        /** The same decision, naming the cluster and destination service it chose, for metrics and logs. */
        public Decision named(String clusterName, String serviceName) {
            return new Decision(target, connected, release, refusal, detail, clusterName, serviceName);
        }
    }

    Decision route(OrigDstAddr destination);
}
