package org.capbuddy.libos.bootstrap;

import java.util.List;
import java.util.function.Function;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Vka;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;

/** One kind of vka allocation the fault-injection and interruption tests fail at every step. */
record VkaAllocation(String name, Function<Vka, Result<VkaObject>> run) {
    static final VkaAllocation FRAME = new VkaAllocation("4 KiB frame", v -> VkaObjects.allocFrame(v, 12));

    /** Every kind: frames of two sizes, a CNode, an untyped, a TCB and a frame at a physical address. */
    static final List<VkaAllocation> ALL = List.of(
            FRAME,
            new VkaAllocation("2 MiB frame", v -> VkaObjects.allocFrame(v, 21)),
            new VkaAllocation("CNode of 2^10", v -> VkaObjects.allocCNode(v, 10)),
            new VkaAllocation("untyped of 2^22", v -> VkaObjects.allocUntyped(v, 22)),
            new VkaAllocation("TCB", VkaObjects::allocTcb),
            new VkaAllocation("frame at a paddr", v -> VkaObjects.allocAt(v, ObjectType.SMALL_PAGE, 12, 0x4200_0000L)));

    @Override
    public String toString() {
        return name;
    }
}
