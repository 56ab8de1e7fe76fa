package dev.tandem.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.config.Setting;
import dev.tandem.core.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README documents every variable with its real default, so the two cannot drift apart. */
class ReadmeTest {

    @Test
    void everySettingIsInTheReadmeWithItsDefault() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        for (Setting setting : Settings.ALL) {
            String value = setting.defaultValue().isEmpty() ? "(empty)" : "`" + setting.defaultValue() + "`";
            assertThat(readme).as(setting.name()).contains("| `" + setting.name() + "` | " + value + " |");
        }
    }
}
