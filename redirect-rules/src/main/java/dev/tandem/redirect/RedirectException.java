package dev.tandem.redirect;

/** A redirect command that could not do its work; carries the exit code: 2 for bad input, 1 for a failed change. */
public final class RedirectException extends Exception {

    public static final int BAD_INPUT = 2;
    public static final int FAILED = 1;

    private final int exitCode;

    public RedirectException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
