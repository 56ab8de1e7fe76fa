package dev.tandem.launcher.inject;

import dev.tandem.core.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tandem inject}: Kubernetes manifests in, the same manifests with Tandem's sidecar in every pod out. */
@Command(name = "inject", mixinStandardHelpOptions = true,
        description = {"Add Tandem's init container and sidecar to every pod of Kubernetes manifests.",
                "Every pod template (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job,"
                        + " CronJob, also in a List) of a multi-document YAML gets them; the result goes to standard"
                        + " output, every other document written back as it was. Exit 2, writing nothing, when a"
                        + " document does not parse or a value is refused."})
public final class InjectCommand implements Callable<Integer> {

    @Option(names = {"-f", "--filename"}, paramLabel = "FILE",
            description = "The manifests; - (the default) reads standard input.")
    String file = "-";

    @Mixin
    InjectionOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ManifestInjection.Result result;
        try {
            String input = file.equals("-") ? readStandardInput() : InjectionOptions.read(Path.of(file));
            result = new ManifestInjection(new SidecarInjector(options.config())).inject(input);
        } catch (ManifestException | ConfigException e) {
            err.println("tandem inject: " + e.getMessage());
            err.println("nothing was written");
            return 2;
        }
        result.notes().forEach(note -> err.println("tandem inject: " + note));
        out.print(result.output());
        out.flush();
        if (out.checkError()) {
            err.println("tandem inject: cannot write to standard output");
            return 1;
        }
        return 0;
    }

    private static String readStandardInput() throws ManifestException {
        try {
            InputStream in = System.in;
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ManifestException("cannot read standard input: " + e.getMessage(), e);
        }
    }
}
