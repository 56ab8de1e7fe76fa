package dev.tandem.launcher;

import dev.tandem.core.Version;
import dev.tandem.launcher.inject.InjectCommand;
import dev.tandem.launcher.inject.InjectorCommand;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The {@code tandem} command. Exit codes: 0 done, 1 failed while working, 2 bad input (flag, variable, usage). */
@Command(name = "tandem", mixinStandardHelpOptions = true, version = "tandem " + Version.TAG,
        description = "A service-mesh sidecar proxy.",
        subcommands = {ProxyCommand.class, WaitReadyCommand.class, RedirectCommand.class, DemoCommand.class,
                InjectCommand.class, InjectorCommand.class})
public final class Main implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is required");
    }

    public static void main(String[] args) {
        System.exit(commandLine(System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true))
                .execute(args));
    }

    /** The command tree, reading settings from {@code environment}; tests pass a map. */
    public static CommandLine commandLine(Map<String, String> environment, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new Main(), new EnvironmentFactory(environment));
        RedirectCommand.addSettingFlags(commandLine.getSubcommands().get("redirect"));
        commandLine.setOut(out);
        commandLine.setErr(err);
        return commandLine;
    }

    /** Gives commands that want it the environment they read, instead of the process's. */
    private record EnvironmentFactory(Map<String, String> environment) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            for (Constructor<?> constructor : type.getDeclaredConstructors()) {
                var parameters = constructor.getParameterTypes();
                if (parameters.length == 1 && parameters[0] == Map.class) {
                    constructor.setAccessible(true);
                    return type.cast(constructor.newInstance(environment));
                }
            }
            return CommandLine.defaultFactory().create(type);
        }
    }
}
