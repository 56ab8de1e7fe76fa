package dev.tandem.launcher;

import dev.tandem.core.addr.Port;
import dev.tandem.core.config.ConfigException;
import dev.tandem.core.config.EnvReader;
import dev.tandem.core.config.Parsers;
import dev.tandem.core.config.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem wait-ready}: blocks until the pod's sidecar says it is ready, for a container's postStart hook, so
 * that Kubernetes starts the application only after its proxy (as Istio's {@code pilot-agent wait}).
 */
@Command(name = "wait-ready", mixinStandardHelpOptions = true,
        description = {"Wait until the sidecar in this pod is ready: GET http://127.0.0.1:<TANDEM_HEALTH_PORT>/healthz/ready "
                + "answers 200. Exits 0 once it does, 1 if it does not within --timeout."})
final class WaitReadyCommand implements Callable<Integer> {

    private static final Duration PERIOD = Duration.ofMillis(100);
    private static final int REQUEST_TIMEOUT_MS = 1000;

    private final Map<String, String> environment;

    @Spec
    private CommandSpec spec;

    @Option(names = "--timeout", defaultValue = "60s", converter = DurationConverter.class,
            description = "how long to wait (ms, s, m or h); default ${DEFAULT-VALUE}")
    private Duration timeout;

    WaitReadyCommand(Map<String, String> environment) {
        this.environment = environment;
    }

    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return Parsers.duration(value);
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        URI url;
        try {
            EnvReader env = EnvReader.of(environment::get);
            Port port = env.read(Settings.HEALTH_PORT, Port::parse);
            env.throwIfInvalid();
            url = URI.create("http://127.0.0.1:" + port.value() + "/healthz/ready");
        } catch (ConfigException e) {
            spec.commandLine().getErr().println("tandem wait-ready: " + e.getMessage());
            return 2;
        }
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        String last;
        while (true) {
            last = probe(url);
            if (last == null) {
                spec.commandLine().getOut().println("ready after " + (System.nanoTime() - start) / 1_000_000 + " ms");
                return 0;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            Thread.sleep(Math.min(PERIOD.toMillis(), Math.max(1, left / 1_000_000)));
        }
        spec.commandLine().getErr().println("tandem wait-ready: the sidecar was not ready within "
                + timeout.toMillis() + " ms: GET " + url + ": " + last);
        return 1;
    }

    /** Null when the sidecar answered 200; else what it answered, or why it could not be asked. */
    private static String probe(URI url) {
        try {
            HttpURLConnection connection = (HttpURLConnection) url.toURL().openConnection(Proxy.NO_PROXY);
            connection.setConnectTimeout(REQUEST_TIMEOUT_MS);
            connection.setReadTimeout(REQUEST_TIMEOUT_MS);
            try {
                int status = connection.getResponseCode();
                if (status == 200) {
                    return null;
                }
                InputStream body = connection.getErrorStream();
                return status + (body == null ? "" : " " + new String(body.readAllBytes(), StandardCharsets.UTF_8).strip());
            } finally {
                connection.disconnect();
            }
        } catch (IOException e) {
            return e.getMessage() == null ? e.toString() : e.getMessage();
        }
    }
}
