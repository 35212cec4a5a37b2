package org.capbuddy.cli.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FuzzCommandRerunTest {

    @Test
    void theRerunLineCarriesEveryOptionThatShapesTheSoak() {
        assertThat(FuzzCommand.rerunLine("libos", 7, 300_000, 123))
                .isEqualTo("re-run: ./capbuddy fuzz libos --seed 7 --iterations 300000 --check-every 123");
    }
}
