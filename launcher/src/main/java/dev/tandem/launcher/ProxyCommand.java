package dev.tandem.launcher;

import dev.tandem.core.config.ConfigException;
import dev.tandem.core.config.ProxyConfig;
import dev.tandem.core.config.Settings;
import dev.tandem.core.traffic.TrafficConfigException;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code tandem proxy}: the sidecar, in the foreground, until SIGTERM, SIGINT or admin /quitquitquit drains and stops
 * it; then it exits 0.
 */
@Command(name = "proxy", mixinStandardHelpOptions = true,
        description = "Run the sidecar in the foreground, configured by TANDEM_* environment variables only.")
final class ProxyCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(ProxyCommand.class);

    private final Map<String, String> environment;

    @Spec
    private CommandSpec spec;

    ProxyCommand(Map<String, String> environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() throws InterruptedException {
        ProxyConfig config;
        try {
            config = ProxyConfig.from(environment::get);
        } catch (ConfigException e) {
            spec.commandLine().getErr().println("tandem proxy: " + e.getMessage());
            return 2;
        }
        Logging.useFormat(config.logFormat());
        Logging.setLevel(config.logLevel());
        List<String> unknown = Settings.unknown(environment);
        if (!unknown.isEmpty()) {
            log.warn("ignoring unknown variables {}: no setting has these names", unknown);
        }
        Sidecar sidecar = new Sidecar(config, environment);
        try {
            sidecar.start();
        } catch (TrafficConfigException e) {
            spec.commandLine().getErr().println("tandem proxy: " + Settings.CONFIG.name() + ": " + e.getMessage());
            sidecar.stop();
            return 2;
        } catch (IOException e) {
            spec.commandLine().getErr().println("tandem proxy: " + Settings.CONFIG.name() + ": cannot read "
                    + config.trafficConfig().orElseThrow() + ": " + e.getMessage());
            sidecar.stop();
            return 2;
        } catch (RuntimeException e) {
            log.error("cannot start: {}", e.getMessage());
            sidecar.stop();
            return 1;
        }
        Signals.onTermination(signal -> sidecar.drainAndStop(signal + " received"));
        sidecar.awaitStopped();
        return 0;
    }
}
