package dev.tandem.launcher.inject;

import dev.tandem.core.config.ConfigException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tandem injector}: the mutating admission webhook that injects pods as the API server creates them. */
@Command(name = "injector", mixinStandardHelpOptions = true,
        description = {"Serve the mutating admission webhook that injects pods as Kubernetes creates them.",
                "HTTPS: POST /inject answers AdmissionReview v1 with the JSON patch that adds Tandem's init container"
                        + " and sidecar to the pod; GET /healthz/ready answers 200. Takes the same values file and"
                        + " flags as inject. Exit 2 on a bad flag, value, certificate or key."})
public final class InjectorCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(InjectorCommand.class);

    @Option(names = "--cert", required = true, paramLabel = "FILE",
            description = "The server's certificate chain, PEM (e.g. tls.crt of a kubernetes.io/tls secret).")
    Path cert;

    @Option(names = "--key", required = true, paramLabel = "FILE",
            description = "The server's private key, PEM in PKCS#8 (BEGIN PRIVATE KEY).")
    Path key;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "9443",
            description = "The HTTPS port, on every address (default ${DEFAULT-VALUE}).")
    int port;

    @Mixin
    InjectionOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        InjectionConfig config;
        SslContext ssl;
        try {
            config = options.config();
            ssl = SslContextBuilder.forServer(cert.toFile(), key.toFile()).sslProvider(SslProvider.JDK).build();
        } catch (ManifestException | ConfigException e) {
            err.println("tandem injector: " + e.getMessage());
            return 2;
        } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
            err.println("tandem injector: cannot use --cert " + cert + " and --key " + key + ": " + e.getMessage());
            return 2;
        }
        InjectorServer server;
        try {
            server = InjectorServer.start(new InetSocketAddress(port), ssl,
                    new AdmissionReviews(new SidecarInjector(config)));
        } catch (IOException e) {
            err.println("tandem injector: " + e.getMessage());
            return 1;
        }
        log.info("tandem injector ready: https://*:{}{} (image {}, {} layout)", server.address().getPort(),
                InjectorServer.INJECT_PATH, config.image(), config.layout().name().toLowerCase(Locale.ROOT));
        // SIGTERM: stop listening, let the reviews in flight finish, then exit.
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            closed.countDown();
        }, "close"));
        closed.await();
        return 0;
    }
}
