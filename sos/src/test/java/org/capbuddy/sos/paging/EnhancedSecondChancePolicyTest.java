package org.capbuddy.sos.paging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The enhanced clock's preference, worked by hand: an unreferenced clean page before an
 * unreferenced dirty one, found without clearing bits; otherwise the bits are cleared on a turn
 * looking for a dirty page, and the next turn takes the first clean one; with no clean page at
 * all it is the plain clock. (Its victims on whole sequences are checked against the reference
 * in {@link PolicyDifferentialTest} and {@link SosPagingDifferentialTest}.)
 */
class EnhancedSecondChancePolicyTest {
    private final Set<Integer> clean = new HashSet<>();
    private final Set<Integer> unreferenced = new HashSet<>();
    private final ReplacementPolicy.Scan<Integer> scan = new ReplacementPolicy.Scan<>() {
        @Override
        public boolean pinned(Integer page) {
            return false;
        }

        @Override
        public boolean unreference(Integer page) {
            unreferenced.add(page);
            return true;
        }

        @Override
        public boolean clean(Integer page) {
            return clean.contains(page);
        }
    };

    private EnhancedSecondChancePolicy<Integer> fourResident() {
        EnhancedSecondChancePolicy<Integer> p = new EnhancedSecondChancePolicy<>();
        for (int page = 1; page <= 4; page++) {
            p.resident(page);
        }
        return p;
    }

    @Test
    void allReferencedTheBitsGoOnTheDirtyTurnAndTheFirstCleanPageIsTaken() {
        EnhancedSecondChancePolicy<Integer> p = fourResident();
        clean.add(3);
        assertThat(p.victim(scan)).isEqualTo(3);
        assertThat(unreferenced).containsExactlyInAnyOrder(1, 2, 3, 4);
    }

    @Test
    void anUnreferencedCleanPageIsTakenWithoutClearingABit() {
        EnhancedSecondChancePolicy<Integer> p = fourResident();
        clean.add(3);
        assertThat(p.victim(scan)).isEqualTo(3);
        p.gone(3);
        unreferenced.clear();
        p.resident(5);
        clean.add(2);
        // 1, 2 and 4 unreferenced by the last search; 2 is clean now: taken on the first turn
        assertThat(p.victim(scan)).isEqualTo(2);
        assertThat(unreferenced).isEmpty();
        assertThat(p.isReferenced(5)).isTrue();
    }

    @Test
    void anUnreferencedDirtyPageGoesBeforeAReferencedCleanOne() {
        EnhancedSecondChancePolicy<Integer> p = fourResident();
        assertThat(p.victim(scan)).as("no clean page: the clock's victim").isEqualTo(1);
        p.gone(1);
        unreferenced.clear();
        p.resident(5);
        clean.add(5);
        // 2, 3, 4 dirty and unreferenced; 5 clean but referenced: the first unreferenced dirty one
        assertThat(p.victim(scan)).isEqualTo(2);
        assertThat(unreferenced).isEmpty();
    }

    @Test
    void anUndoneSearchPutsTheBitsAndTheOrderBack() {
        EnhancedSecondChancePolicy<Integer> p = fourResident();
        clean.add(3);
        assertThat(p.victim(scan)).isEqualTo(3);
        p.undoSearch();
        for (int page = 1; page <= 4; page++) {
            assertThat(p.isReferenced(page)).as("page %d", page).isTrue();
        }
        clean.clear();
        clean.add(1);
        unreferenced.clear();
        assertThat(p.victim(scan)).as("the hand back at 1").isEqualTo(1);
    }
}
