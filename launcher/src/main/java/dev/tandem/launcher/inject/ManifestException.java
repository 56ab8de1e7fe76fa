package dev.tandem.launcher.inject;

/** Input that cannot be injected: a document that does not parse, or a value that is refused. Exit status 2. */
final class ManifestException extends Exception {

    ManifestException(String message) {
        super(message);
    }

    ManifestException(String message, Throwable cause) {
        super(message, cause);
    }
}
