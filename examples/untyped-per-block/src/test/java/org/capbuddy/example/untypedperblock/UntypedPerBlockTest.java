package org.capbuddy.example.untypedperblock;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.libos.machine.LibosMachine;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.libos.policy.FrameBlock;
import org.capbuddy.libos.policy.FramePolicies;
import org.capbuddy.libos.policy.FramePolicy;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.junit.jupiter.api.Test;

/**
 * The example policy through the registry, as the bench finds it: blocks of every size, one
 * Retype and one Revoke each, bad frees refused, and the machine back where it started.
 */
class UntypedPerBlockTest {
    @Test
    void everySizeTakesOneRetypeAndOneRevokeAndAllComesBack() {
        LibosMachine machine = LibosMachine.boot(MachineConfig.capBuddy(256L << 20).withoutPool()).value();
        var before = machine.balance();
        FramePolicy policy = FramePolicies.find("untyped-per-block", getClass().getClassLoader()).value()
                .create(machine.vka()).value();
        List<FrameBlock> blocks = new ArrayList<>();
        for (int order = 0; order <= 10; order++) {
            long retypes = machine.kernel().costs().invocations().getOrDefault(InvocationLabel.UNTYPED_RETYPE, 0L);
            FrameBlock b = policy.alloc(order).value();
            assertThat(b.frames()).isEqualTo(1 << order);
            assertThat(machine.kernel().costs().invocations().get(InvocationLabel.UNTYPED_RETYPE) - retypes)
                    .as("the frames in one Retype (allocman's splitting adds its own)").isGreaterThanOrEqualTo(1);
            for (int i = 0; i < b.frames(); i++) {
                assertThat(machine.vka().sel4().pageGetAddress(b.firstCptr() + i).isOk()).as("frame %d", i).isTrue();
            }
            blocks.add(b);
        }
        assertThat(policy.alloc(11).error().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        FrameBlock first = blocks.get(0);
        for (FrameBlock b : blocks) {
            assertThat(policy.free(b).isOk()).isTrue();
        }
        assertThat(policy.free(first).error().kind()).as("freed twice").isEqualTo(AllocErrorKind.NOT_ALLOCATED);
        assertThat(policy.free(new FrameBlock(12345, 0, 0)).isOk()).isFalse();
        assertThat(machine.balance()).isEqualTo(before);
        assertThat(machine.kernel().checkInvariants().ok()).isTrue();
    }

    @Test
    void theRegistryFindsItByNameOrClassAndSaysWhyItCannot() {
        ClassLoader loader = getClass().getClassLoader();
        assertThat(FramePolicies.names(loader)).contains("untyped-per-block");
        assertThat(FramePolicies.find("class:" + UntypedPerBlockProvider.class.getName(), loader).isOk()).isTrue();
        assertThat(FramePolicies.find("nope", loader).error().detail()).contains("no frame policy named 'nope'",
                "untyped-per-block");
        assertThat(FramePolicies.find("class:java.lang.String", loader).error().detail())
                .contains("is not a org.capbuddy.libos.policy.FramePolicyProvider");
        assertThat(FramePolicies.find("class:org.example.Missing", loader).error().detail())
                .contains("cannot load class org.example.Missing");
    }
}
