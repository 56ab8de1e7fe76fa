package dev.tandem.core.config;

import dev.tandem.core.addr.Port;
import dev.tandem.core.addr.PortSet;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/** Everything `tandem proxy` is told by its environment, parsed and checked once at start. */
public record ProxyConfig(
        ProxyPorts ports,
        WorkloadIdentity identity,
        Optional<Path> trafficConfig,
        InterceptionMode inboundMode,
        PortSet opaquePorts,
        Duration detectionTimeout,
        HttpLimits http,
        Duration connectTimeout,
        Duration idleTimeout,
        Duration drainDuration,
        boolean exitOnZeroActiveConnections,
        int concurrency,
        LogLevel logLevel,
        LogFormat logFormat,
        boolean metrics,
        AccessLogFormat accessLog) {

    /** Protocols whose server speaks first (SMTP, MySQL, PostgreSQL, Redis, ...): never waited on for detection. */
    public static final PortSet SERVER_FIRST_PORTS = PortSet.of(new Port(25), new Port(587), new Port(3306),
            new Port(4444), new Port(5432), new Port(6379), new Port(9300), new Port(11211), new Port(27017));

    public static ProxyConfig from(Function<String, String> environment) throws ConfigException {
        EnvReader env = EnvReader.of(environment);
        ProxyPorts ports = ProxyPorts.read(env);
        WorkloadIdentity identity = WorkloadIdentity.read(env);
        Optional<Path> traffic = env.read(Settings.CONFIG, Parsers::optionalFile);
        InterceptionMode mode = env.read(Settings.INBOUND_INTERCEPTION_MODE, Parsers.oneOf(InterceptionMode.class));
        PortSet opaque = env.read(Settings.OPAQUE_PORTS, PortSet::parse);
        if (opaque != null && opaque.all()) {
            env.refuse(Settings.OPAQUE_PORTS, "* is not allowed here; list the ports");
        }
        Duration detection = env.read(Settings.DETECTION_TIMEOUT, Parsers::duration);
        HttpLimits http = HttpLimits.read(env);
        Duration connect = env.read(Settings.CONNECT_TIMEOUT, Parsers::duration);
        if (Duration.ZERO.equals(connect)) {
            env.refuse(Settings.CONNECT_TIMEOUT, "must be more than zero");
        }
        Duration idle = env.read(Settings.IDLE_TIMEOUT, Parsers::duration);
        Duration drain = env.read(Settings.DRAIN_DURATION, Parsers::duration);
        Integer concurrency = env.read(Settings.CONCURRENCY, Parsers.integer(1, 256));
        Boolean exitOnZero = env.read(Settings.EXIT_ON_ZERO_ACTIVE_CONNECTIONS, Parsers::bool);
        LogLevel level = env.read(Settings.LOG_LEVEL, Parsers.oneOf(LogLevel.class));
        LogFormat logFormat = env.read(Settings.LOG_FORMAT, Parsers.oneOf(LogFormat.class));
        Boolean metrics = env.read(Settings.METRICS, Parsers::bool);
        AccessLogFormat accessLog = env.read(Settings.ACCESS_LOG, Parsers.oneOf(AccessLogFormat.class));
        env.throwIfInvalid();
        return new ProxyConfig(ports, identity, traffic, mode, opaque == null ? null : SERVER_FIRST_PORTS.with(opaque), detection, http,
                connect, idle, drain, exitOnZero, concurrency, level, logFormat, metrics, accessLog);
    }
}
