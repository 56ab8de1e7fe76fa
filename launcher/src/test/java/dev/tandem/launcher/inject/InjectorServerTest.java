package dev.tandem.launcher.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The webhook over TLS on loopback, with the certificate kubernetes/webhook-certs.sh makes, checked the way the API
 * server checks it: trusting only the caBundle's CA, for the name {@code tandem-injector.tandem-system.svc}.
 */
class InjectorServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path certs;
    private static InjectorServer server;
    private static SSLContext client;

    @BeforeAll
    static void start() throws Exception {
        WebhookCerts.make(certs);
        var ssl = SslContextBuilder.forServer(certs.resolve("tls.crt").toFile(), certs.resolve("tls.key").toFile())
                .sslProvider(SslProvider.JDK).build();
        server = InjectorServer.start(new InetSocketAddress("127.0.0.1", 0), ssl,
                new AdmissionReviews(new SidecarInjector(InjectionConfig.defaults())));
        client = WebhookCerts.trusting(certs.resolve("ca.crt"));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aRealAdmissionReviewIsAnsweredOverTlsWithThePatch() throws Exception {
        try (SSLSocket socket = connect(WebhookCerts.SERVICE_NAME)) {
            Response response = exchange(socket, "POST", "/inject", AdmissionReviewsTest.review());

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("content-type")).isEqualTo("application/json");
            AdmissionReview review = KubernetesModel.read(JSON.readTree(response.body()), AdmissionReview.class);
            assertThat(review.getResponse().getUid()).isEqualTo("4b1b2c6e-8f3a-4d8e-9c1e-3f2a7b6c5d40");
            assertThat(review.getResponse().getAllowed()).isTrue();
            JsonNode pod = JSON.readTree(AdmissionReviewsTest.review()).path("request").path("object");
            assertThat(AdmissionReviewsTest.applyPatch(pod, review.getResponse().getPatch())
                    .path("spec").path("initContainers")).hasSize(2);
        }
    }

    @Test
    void aMalformedReviewGets400AndTheConnectionAndServerGoOn() throws Exception {
        try (SSLSocket socket = connect(WebhookCerts.SERVICE_NAME)) {
            Response bad = exchange(socket, "POST", "/inject", "{\"apiVersion\":".getBytes(StandardCharsets.UTF_8));
            Response good = exchange(socket, "POST", "/inject", AdmissionReviewsTest.review());

            assertThat(bad.status()).isEqualTo(400);
            assertThat(new String(bad.body(), StandardCharsets.UTF_8)).startsWith("not JSON");
            assertThat(good.status()).isEqualTo(200);
        }
    }

    @Test
    void theHealthEndpointAnswersAndOtherPathsAndMethodsAreRefused() throws Exception {
        try (SSLSocket socket = connect(WebhookCerts.SERVICE_NAME)) {
            assertThat(exchange(socket, "GET", "/healthz/ready", new byte[0]).status()).isEqualTo(200);
            assertThat(exchange(socket, "GET", "/inject", new byte[0]).status()).isEqualTo(405);
            assertThat(exchange(socket, "GET", "/mutate", new byte[0]).status()).isEqualTo(404);
        }
    }

    @Test
    void theCertificateIsForTheServiceNameOnly() {
        assertThatThrownBy(() -> connect("tandem-injector.default.svc").startHandshake())
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void aPlainHttpClientIsDisconnectedAndTheServerGoesOn() throws Exception {
        try (Socket plain = new Socket("127.0.0.1", server.address().getPort())) {
            plain.setSoTimeout(10_000);
            plain.getOutputStream().write("GET /healthz/ready HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            plain.getInputStream().readAllBytes();
        }
        try (SSLSocket socket = connect(WebhookCerts.SERVICE_NAME)) {
            assertThat(exchange(socket, "GET", "/healthz/ready", new byte[0]).status()).isEqualTo(200);
        }
    }

    /** TLS to the server on loopback, verifying its certificate for {@code name} as an HTTPS client does. */
    private static SSLSocket connect(String name) throws IOException {
        Socket tcp = new Socket("127.0.0.1", server.address().getPort());
        tcp.setSoTimeout(10_000);
        SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(tcp, name, tcp.getPort(), true);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        return socket;
    }

    private record Response(int status, java.util.Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name);
        }
    }

    /** One HTTP/1.1 exchange on a kept-alive connection. */
    private static Response exchange(SSLSocket socket, String method, String path, byte[] body) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write((method + " " + path + " HTTP/1.1\r\nHost: " + WebhookCerts.SERVICE_NAME + "\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        InputStream in = socket.getInputStream();
        String statusLine = line(in);
        var headers = new java.util.HashMap<String, String>();
        for (String line = line(in); !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
        byte[] content = in.readNBytes(Integer.parseInt(headers.get("content-length")));
        return new Response(Integer.parseInt(statusLine.split(" ")[1]), headers, content);
    }

    private static String line(InputStream in) throws IOException {
        var line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }
}
