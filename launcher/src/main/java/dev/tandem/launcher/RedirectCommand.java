package dev.tandem.launcher;

import dev.tandem.core.config.ConfigException;
import dev.tandem.core.config.EnvReader;
import dev.tandem.core.config.Setting;
import dev.tandem.redirect.CommandRunner;
import dev.tandem.redirect.DryRunRunner;
import dev.tandem.redirect.Executables;
import dev.tandem.redirect.ProcessRunner;
import dev.tandem.redirect.RedirectConfig;
import dev.tandem.redirect.RedirectException;
import dev.tandem.redirect.Redirector;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tandem redirect apply|clean|print}: the interception rules of the current network namespace. */
@Command(name = "redirect", mixinStandardHelpOptions = true,
        description = "Install, remove or show the interception rules of the current network namespace.",
        subcommands = {RedirectCommand.Apply.class, RedirectCommand.Clean.class, RedirectCommand.Print.class})
final class RedirectCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "say apply, clean or print");
    }

    /** Each setting the rules read becomes a flag of each subcommand, named after its variable. */
    static void addSettingFlags(CommandLine redirect) {
        for (CommandLine sub : redirect.getSubcommands().values()) {
            for (Setting setting : RedirectConfig.SETTINGS) {
                sub.getCommandSpec().addOption(OptionSpec.builder(setting.flag())
                        .paramLabel("VALUE")
                        .type(String.class)
                        .description(setting.description() + " (env " + setting.name() + ", default \""
                                + setting.defaultValue() + "\")")
                        .build());
            }
        }
    }

    abstract static class Action implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        private final Map<String, String> environment;

        Action(Map<String, String> environment) {
            this.environment = environment;
        }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                Redirector redirector = new Redirector(readConfig(), runner(out), Executables.onPath(environment::get),
                        RedirectCommand::namespaceHasIpv6, err);
                run(redirector, out);
                return 0;
            } catch (ConfigException e) {
                err.println("tandem redirect " + spec.name() + ": " + e.getMessage());
                err.println("nothing was changed");
                return RedirectException.BAD_INPUT;
            } catch (RedirectException e) {
                err.println("tandem redirect " + spec.name() + ": " + e.getMessage());
                return e.exitCode();
            } catch (IOException e) {
                err.println("tandem redirect " + spec.name() + ": " + e.getMessage());
                return RedirectException.FAILED;
            }
        }

        abstract void run(Redirector redirector, PrintWriter out) throws RedirectException, IOException;

        CommandRunner runner(PrintWriter out) {
            return new ProcessRunner();
        }

        /** Flags win over variables; an error names the flag when the value came from one. */
        private RedirectConfig readConfig() throws ConfigException {
            var parsed = spec.commandLine().getParseResult();
            Function<String, String> lookup = name -> {
                for (Setting s : RedirectConfig.SETTINGS) {
                    if (s.name().equals(name) && parsed.hasMatchedOption(s.flag())) {
                        return parsed.matchedOptionValue(s.flag(), "");
                    }
                }
                return environment.get(name);
            };
            Function<Setting, String> origin = s -> parsed.hasMatchedOption(s.flag())
                    ? s.flag() + " (" + s.name() + ")"
                    : s.name();
            return RedirectConfig.read(EnvReader.of(lookup, origin));
        }
    }

    /** A subcommand that changes the namespace, and so can instead print what it would change. */
    abstract static class Changing extends Action {
        @Option(names = "--dry-run", description = "Print the changes instead of making them.")
        boolean dryRun;

        Changing(Map<String, String> environment) {
            super(environment);
        }

        @Override
        CommandRunner runner(PrintWriter out) {
            return dryRun ? new DryRunRunner(new ProcessRunner(), out) : new ProcessRunner();
        }
    }

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = "Install the rules (idempotent). Exit 2 on bad input, with nothing changed.")
    static final class Apply extends Changing {
        Apply(Map<String, String> environment) {
            super(environment);
        }

        @Override
        void run(Redirector redirector, PrintWriter out) throws RedirectException, IOException {
            redirector.apply();
        }
    }

    @Command(name = "clean", mixinStandardHelpOptions = true,
            description = "Remove exactly what apply installed, and nothing else.")
    static final class Clean extends Changing {
        Clean(Map<String, String> environment) {
            super(environment);
        }

        @Override
        void run(Redirector redirector, PrintWriter out) throws RedirectException, IOException {
            redirector.clean();
        }
    }

    @Command(name = "print", mixinStandardHelpOptions = true,
            description = "Write the rules apply would install (iptables-restore input); change nothing.")
    static final class Print extends Action {
        Print(Map<String, String> environment) {
            super(environment);
        }

        @Override
        void run(Redirector redirector, PrintWriter out) {
            out.print(redirector.print());
            out.flush();
        }
    }

    /** A namespace has IPv6 when the kernel lists an IPv6 address in it (loopback's ::1 at least). */
    static boolean namespaceHasIpv6() {
        try (var lines = Files.lines(Path.of("/proc/net/if_inet6"))) {
            return lines.findAny().isPresent();
        } catch (IOException e) {
            return false;
        }
    }
}
