package dev.tandem.redirect;

import java.io.IOException;
import java.util.List;

/**
 * The one way the redirect commands touch the system. The real runner runs processes; the dry-run runner answers
 * queries for real and prints changes instead of making them.
 */
public interface CommandRunner {

    record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** Runs a command that only reads the system. */
    Result query(List<String> command) throws IOException;

    /** Runs a command that changes the system, with {@code stdin} (may be empty) as its input. */
    Result change(List<String> command, String stdin) throws IOException;
}
