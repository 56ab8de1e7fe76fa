package dev.tandem.launcher.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tandem.core.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The flags {@code inject} and {@code injector} share: a values file, and flags that win over it. */
final class InjectionOptions {

    @Option(names = "--values", paramLabel = "FILE",
            description = "YAML values: image, imagePullPolicy, layout, proxy.resources, init.resources, settings.")
    Path values;

    @Option(names = "--image", paramLabel = "IMAGE",
            description = "The Tandem image of the init container and the sidecar (default " + InjectionConfig.DEFAULT_IMAGE + ").")
    String image;

    @Option(names = "--image-pull-policy", paramLabel = "POLICY",
            description = "Always, IfNotPresent (default) or Never.")
    String imagePullPolicy;

    @Option(names = "--classic", negatable = true,
            description = "The sidecar as the first regular container instead of a native sidecar (an init container"
                    + " with restartPolicy Always, Kubernetes 1.29+).")
    Boolean classic;

    @Option(names = "--proxy-cpu", paramLabel = "QUANTITY", description = "The sidecar's CPU request (default 100m).")
    String proxyCpu;

    @Option(names = "--proxy-memory", paramLabel = "QUANTITY", description = "The sidecar's memory request (default 128Mi).")
    String proxyMemory;

    @Option(names = "--proxy-cpu-limit", paramLabel = "QUANTITY", description = "The sidecar's CPU limit (default 2).")
    String proxyCpuLimit;

    @Option(names = "--proxy-memory-limit", paramLabel = "QUANTITY", description = "The sidecar's memory limit (default 256Mi).")
    String proxyMemoryLimit;

    @Option(names = "--env", paramLabel = "TANDEM_NAME=VALUE",
            description = "A TANDEM_* setting for every injected pod, over the values file's (repeatable). Interception"
                    + " settings go to the init container, the others to the sidecar.")
    Map<String, String> env = new LinkedHashMap<>();

    /** The values file with these flags over it. */
    InjectionConfig config() throws ConfigException, ManifestException {
        String name = values == null ? "values" : values.toString();
        JsonNode tree = values == null ? JsonNodeFactory.instance.objectNode() : YamlStream.readOne(read(values), name);
        return InjectionConfig.read(tree, name, new InjectionConfig.Flags(image, imagePullPolicy, classic, proxyCpu,
                proxyMemory, proxyCpuLimit, proxyMemoryLimit, env));
    }

    static String read(Path file) throws ManifestException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ManifestException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
