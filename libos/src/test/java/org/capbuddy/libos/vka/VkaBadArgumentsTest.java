package org.capbuddy.libos.vka;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.machine.AllocatorBalance;
import org.capbuddy.libos.machine.LibosMachine;
import org.capbuddy.libos.machine.MachineConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vka given what it cannot take: an object described with the wrong type or size, and a
 * bookkeeping request near 2^63. Each is refused before anything changes (the cap stays in its
 * slot, the balance stays put), and the vka goes on serving, on plain allocman and on the pool.
 */
class VkaBadArgumentsTest {
    private static LibosMachine machine(boolean pool) {
        MachineConfig config = MachineConfig.capBuddy(1L << 30);
        return LibosMachine.boot(pool ? config : config.withoutPool()).value();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void freeingAnObjectAsAnotherTypeIsRefusedBeforeItsCapIsDeleted(boolean pool) {
        LibosMachine m = machine(pool);
        Vka vka = m.vka();
        VkaObject endpoint = VkaObjects.alloc(vka, ObjectType.ENDPOINT, 0).value();
        AllocatorBalance before = m.balance();

        Result<Void> wrong = VkaObjects.free(vka, new VkaObject(endpoint.cptr(), endpoint.cookie(), ObjectType.TCB, 0));
        assertThat(wrong.isOk()).isFalse();
        assertThat(wrong.error().kind()).isEqualTo(AllocErrorKind.NOT_ALLOCATED);
        assertThat(wrong.error().detail()).contains("is an object of 2^4 bytes, not 2^11");
        assertThat(m.kernel().rootTaskCap(endpoint.cptr())).as("the cap is still in its slot").isNotNull();
        assertThat(m.balance().diff(before).isZero()).isTrue();

        assertThat(VkaObjects.free(vka, endpoint).isOk()).as("the right description still frees it").isTrue();
        assertThat(m.kernel().checkInvariants().ok()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aBookkeepingRequestNearTwoToThe63IsRefusedAndTheVkaGoesOn(boolean pool) {
        LibosMachine m = machine(pool);
        Vka vka = m.vka();
        AllocatorBalance before = m.balance();
        for (long huge : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 15, 1L << 62}) {
            assertThat(vka.bookkeepingAlloc(huge).isOk()).as("%d bytes", huge).isFalse();
        }
        assertThat(m.balance().diff(before).isZero()).isTrue();
        Result<Long> small = vka.bookkeepingAlloc(64);
        assertThat(small.isOk()).as("%s", small).isTrue();
        assertThat(VkaObjects.allocFrame(vka, 12).isOk()).isTrue();
    }
}
