package dev.tandem.core.config;

import java.time.Duration;
import java.util.function.Function;

/** Everything `tandem proxy` is told by its environment, parsed and checked once at start. */
public record ProxyConfig(
        ProxyPorts ports,
        InterceptionMode inboundMode,
        Duration connectTimeout,
        Duration idleTimeout,
        Duration drainDuration,
        int concurrency,
        LogLevel logLevel) {

    public static ProxyConfig from(Function<String, String> environment) throws ConfigException {
        EnvReader env = EnvReader.of(environment);
        ProxyPorts ports = ProxyPorts.read(env);
        InterceptionMode mode = env.read(Settings.INBOUND_INTERCEPTION_MODE, Parsers.oneOf(InterceptionMode.class));
        Duration connect = env.read(Settings.CONNECT_TIMEOUT, Parsers::duration);
        if (Duration.ZERO.equals(connect)) {
            env.refuse(Settings.CONNECT_TIMEOUT, "must be more than zero");
        }
        Duration idle = env.read(Settings.IDLE_TIMEOUT, Parsers::duration);
        Duration drain = env.read(Settings.DRAIN_DURATION, Parsers::duration);
        Integer concurrency = env.read(Settings.CONCURRENCY, Parsers.integer(1, 256));
        LogLevel level = env.read(Settings.LOG_LEVEL, Parsers.oneOf(LogLevel.class));
        env.throwIfInvalid();
        return new ProxyConfig(ports, mode, connect, idle, drain, concurrency, level);
    }
}
