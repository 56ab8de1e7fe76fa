package dev.tandem.launcher;

import ch.qos.logback.classic.Level;
import dev.tandem.core.admin.HttpEndpoints.Answer;
import dev.tandem.core.admin.HttpEndpoints.Request;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admin {@code /logging}, as Envoy's: GET lists the loggers that have a level of their own; POST changes levels at
 * runtime, all of the request's changes or none. {@code ?level=debug} sets the root logger,
 * {@code ?paths=dev.tandem.core.http:debug,io.netty:info} and {@code ?dev.tandem.core.http=debug} set named loggers.
 */
final class LoggingEndpoint {

    private static final Logger log = LoggerFactory.getLogger(LoggingEndpoint.class);
    private static final Pattern LOGGER = Pattern.compile("[A-Za-z_$][\\w$-]*(\\.[A-Za-z_$][\\w$-]*)*");
    private static final Map<String, Level> LEVELS = levels();
    private static final String KNOWN = "trace, debug, info, warn (warning), error (critical) or off";

    private LoggingEndpoint() {
    }

    private static Map<String, Level> levels() {
        Map<String, Level> levels = new LinkedHashMap<>();
        levels.put("trace", Level.TRACE);
        levels.put("debug", Level.DEBUG);
        levels.put("info", Level.INFO);
        levels.put("warn", Level.WARN);
        levels.put("warning", Level.WARN);
        levels.put("error", Level.ERROR);
        levels.put("critical", Level.ERROR);
        levels.put("off", Level.OFF);
        return levels;
    }

    static Answer list(Request request) {
        if (!request.parameters().isEmpty()) {
            return Answer.text(HttpResponseStatus.METHOD_NOT_ALLOWED, "Method GET not allowed, POST required to change levels.");
        }
        return Answer.ok(listing());
    }

    static Answer change(Request request) {
        Map<String, Level> changes = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        request.parameters().forEach((name, values) -> {
            String value = values.isEmpty() ? "" : values.get(values.size() - 1);
            switch (name) {
                case "level" -> add(changes, errors, Logging.ROOT, value);
                case "paths" -> {
                    for (String path : value.split(",")) {
                        int colon = path.lastIndexOf(':');
                        if (colon < 0) {
                            errors.add("paths: \"" + path.strip() + "\" is not logger:level");
                        } else {
                            add(changes, errors, path.substring(0, colon).strip(), path.substring(colon + 1).strip());
                        }
                    }
                }
                default -> add(changes, errors, name, value);
            }
        });
        if (!errors.isEmpty()) {
            return Answer.text(HttpResponseStatus.BAD_REQUEST, String.join("\n", errors) + "\nnothing was changed");
        }
        if (!changes.isEmpty()) {
            changes.forEach(Logging::setLevel);
            log.info("admin /logging: {}", changes);
        }
        return Answer.ok(listing());
    }

    private static void add(Map<String, Level> changes, List<String> errors, String logger, String level) {
        if (!logger.equals(Logging.ROOT) && !LOGGER.matcher(logger).matches()) {
            errors.add("\"" + logger + "\" is not a logger name");
            return;
        }
        Level parsed = LEVELS.get(level.toLowerCase(Locale.ROOT));
        if (parsed == null) {
            errors.add("unknown level \"" + level + "\" for " + logger + ": use " + KNOWN);
            return;
        }
        changes.put(logger, parsed);
    }

    private static String listing() {
        var out = new StringBuilder("active loggers:");
        Logging.levels().forEach((name, level) -> out.append("\n  ").append(name).append(": ").append(level));
        return out.toString();
    }
}
