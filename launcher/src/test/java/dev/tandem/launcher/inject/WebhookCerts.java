package dev.tandem.launcher.inject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The TLS material kubernetes/webhook-certs.sh makes, made by running it as a user would (it needs openssl). */
final class WebhookCerts {

    static final String SERVICE_NAME = "tandem-injector.tandem-system.svc";

    private WebhookCerts() {
    }

    /** Runs the script into {@code out} and returns it. */
    static Path make(Path out) throws IOException, InterruptedException {
        Process script = new ProcessBuilder("bash", "../kubernetes/webhook-certs.sh", out.toString())
                .redirectErrorStream(true).start();
        String output = new String(script.getInputStream().readAllBytes());
        if (!script.waitFor(60, TimeUnit.SECONDS) || script.exitValue() != 0) {
            throw new IllegalStateException("kubernetes/webhook-certs.sh failed (it needs bash and openssl):\n" + output);
        }
        return out;
    }

    /** A client context that trusts only the script's CA, as the API server does with the caBundle. */
    static SSLContext trusting(Path caCert) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caCert)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }
}
