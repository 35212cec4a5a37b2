package org.capbuddy.fuzz.sos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.capbuddy.sos.paging.PolicyRegistry;
import org.junit.jupiter.api.Test;

/** What each seed makes of the fuzzer's SOS: the promises {@link FuzzSetup}'s Javadoc makes. */
class FuzzSetupTest {

    @Test
    void seedsTwoModThreePageInSmallTablesTheOthersAsBefore() {
        Set<String> policies = new HashSet<>();
        Set<String> fileSizes = new HashSet<>();
        for (long seed = -300; seed <= 300; seed++) {
            FuzzSetup setup = FuzzSetup.of(seed);
            assertThat(setup.usePool()).as("seed %d", seed).isEqualTo(Math.floorMod(seed, 4) != 3);
            assertThat(setup.sosConfig().check().isOk()).as("seed %d: %s", seed, setup).isTrue();
            assertThat(setup).as("the same seed, the same setup").isEqualTo(FuzzSetup.of(seed));
            if (Math.floorMod(seed, 3) != 2) {
                assertThat(setup.paging()).as("seed %d", seed).isFalse();
                assertThat(setup.frames()).as("seed %d", seed)
                        .isEqualTo(Math.floorMod(seed, 5) == 4 ? FuzzSetup.TIGHT_FRAMES : FuzzSetup.FRAMES);
                assertThat(setup.describe()).doesNotContain("paging");
                continue;
            }
            assertThat(setup.paging()).as("seed %d", seed).isTrue();
            assertThat(setup.frames()).as("seed %d", seed)
                    .isBetween(FuzzSetup.MIN_PAGING_FRAMES, FuzzSetup.MAX_PAGING_FRAMES);
            assertThat(setup.sosConfig().paging()).isTrue();
            assertThat(setup.describe()).contains("paging (" + setup.policy() + ", " + setup.pageFilePages() + "-page file)");
            policies.add(setup.policy());
            int pages = setup.pageFilePages();
            fileSizes.add(pages < 64 ? "fills" : pages == 4096 ? "never fills" : "between");
            assertThat(pages == 4096 || pages >= 8 && pages < 64 || pages >= 256 && pages < 1024).as("seed %d: %d", seed, pages)
                    .isTrue();
        }
        assertThat(policies).containsExactlyInAnyOrderElementsOf(PolicyRegistry.names());
        assertThat(fileSizes).containsExactlyInAnyOrder("fills", "never fills", "between");
    }
}
