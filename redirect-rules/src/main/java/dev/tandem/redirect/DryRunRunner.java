package dev.tandem.redirect;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;

/** Answers queries for real and prints each change, with its input, instead of making it. */
public final class DryRunRunner implements CommandRunner {

    private final CommandRunner queries;
    private final PrintWriter out;

    public DryRunRunner(CommandRunner queries, PrintWriter out) {
        this.queries = queries;
        this.out = out;
    }

    @Override
    public Result query(List<String> command) throws IOException {
        return queries.query(command);
    }

    @Override
    public Result change(List<String> command, String stdin) {
        out.println("# would run: " + String.join(" ", command));
        if (!stdin.isEmpty()) {
            out.print(stdin);
        }
        out.flush();
        return new Result(0, "", "");
    }
}
