package dev.tandem.launcher.inject;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.launcher.Main;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem inject} and {@code tandem injector} as a user meets them: input, output and exit status. */
class InjectCommandTest {

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String stdin, String... args) {
        InputStream saved = System.in;
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            var out = new StringWriter();
            var err = new StringWriter();
            int code = Main.commandLine(Map.of(), new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
            return new Run(code, out.toString(), err.toString());
        } finally {
            System.setIn(saved);
        }
    }

    @Test
    void standardInputIsReadWhenNoFileIsGiven() throws Exception {
        String pod = Files.readString(InjectGoldenTest.CASES.resolve("pod.yaml"));

        Run fromStdin = run(pod, "inject");
        Run fromDash = run(pod, "inject", "-f", "-");

        assertThat(fromStdin.exitCode()).isZero();
        assertThat(fromStdin.out()).isEqualTo(Files.readString(InjectGoldenTest.CASES.resolve("pod.out")));
        assertThat(fromDash.out()).isEqualTo(fromStdin.out());
    }

    @Test
    void aMissingFileIsBadInputAndNothingIsWritten() {
        Run run = run("", "inject", "-f", "no-such-file.yaml");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("cannot read no-such-file.yaml").contains("nothing was written");
    }

    @Test
    void anUnknownFlagIsAUsageError() {
        assertThat(run("", "inject", "--sidecar").exitCode()).isEqualTo(2);
    }

    @Test
    void theFlagsListTheirDefaults() {
        Run run = run("", "inject", "--help");

        assertThat(run.out()).contains("--values=FILE", "--image=IMAGE", "--[no-]classic", "--env=TANDEM_NAME=VALUE",
                "--proxy-memory-limit=QUANTITY", "default " + InjectionConfig.DEFAULT_IMAGE);
    }

    @Test
    void theDefaultImageIsTheOneThisVersionBuilds() {
        String version = run("", "--version").out().strip();

        assertThat(InjectionConfig.DEFAULT_IMAGE).isEqualTo(version.replace(' ', ':'));
    }

    @Test
    void theInjectorSaysSoWhenItsPortIsTaken(@TempDir Path dir) throws Exception {
        Path certs = WebhookCerts.make(dir);
        try (ServerSocket taken = new ServerSocket(0)) {
            Run run = run("", "injector", "--cert", certs.resolve("tls.crt").toString(), "--key",
                    certs.resolve("tls.key").toString(), "--port", String.valueOf(taken.getLocalPort()));

            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.err()).contains("cannot listen on").contains(String.valueOf(taken.getLocalPort()));
        }
    }

    @Test
    void theInjectorRefusesAKeyItCannotReadBeforeListening(@TempDir Path missing) throws Exception {
        Run run = run("", "injector", "--cert", missing.resolve("tls.crt").toString(), "--key",
                missing.resolve("tls.key").toString(), "--port", "0");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("cannot use --cert");
    }
}
