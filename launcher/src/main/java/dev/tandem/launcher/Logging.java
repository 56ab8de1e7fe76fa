package dev.tandem.launcher;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import dev.tandem.core.config.LogFormat;
import dev.tandem.core.config.LogLevel;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.LoggerFactory;

/** The one place that knows the logging backend is Logback: the format of the log and the levels of its loggers. */
final class Logging {

    static final String ROOT = "root";

    private Logging() {
    }

    static void setLevel(LogLevel level) {
        logger(ROOT).setLevel(Level.toLevel(level.name()));
    }

    /** Sets one logger's level; {@code root} names the root logger. */
    static void setLevel(String logger, Level level) {
        logger(logger).setLevel(level);
    }

    /**
     * The loggers that have a level of their own (the root first, then by name), with that level in lower case: what
     * admin /logging lists.
     */
    static Map<String, String> levels() {
        Map<String, String> levels = new LinkedHashMap<>();
        context().getLoggerList().stream()
                .filter(l -> l.getLevel() != null)
                .sorted((a, b) -> a.getName().equals(Logger.ROOT_LOGGER_NAME) ? -1
                        : b.getName().equals(Logger.ROOT_LOGGER_NAME) ? 1 : a.getName().compareTo(b.getName()))
                .forEach(l -> levels.put(l.getName().equals(Logger.ROOT_LOGGER_NAME) ? ROOT : l.getName(),
                        l.getLevel().toString().toLowerCase(Locale.ROOT)));
        return levels;
    }

    /** TEXT keeps the pattern of logback.xml; JSON writes each event as one JSON object a line, to the same stderr. */
    static void useFormat(LogFormat format) {
        if (format != LogFormat.JSON) {
            return;
        }
        LoggerContext context = context();
        logger(ROOT).iteratorForAppenders().forEachRemaining(appender -> {
            if (appender instanceof OutputStreamAppender<ILoggingEvent> stream) {
                JsonLogEncoder encoder = new JsonLogEncoder();
                encoder.setContext(context);
                encoder.start();
                stream.stop();
                stream.setEncoder(encoder);
                stream.start();
            }
        });
    }

    private static Logger logger(String name) {
        return context().getLogger(name.equals(ROOT) ? Logger.ROOT_LOGGER_NAME : name);
    }

    private static LoggerContext context() {
        return (LoggerContext) LoggerFactory.getILoggerFactory();
    }
}
