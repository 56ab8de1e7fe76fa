package dev.tandem.launcher;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.tandem.core.config.LogLevel;
import org.slf4j.LoggerFactory;

/** The one place that knows the logging backend is Logback. */
final class Logging {

    private Logging() {
    }

    static void setLevel(LogLevel level) {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(level.name()));
    }
}
