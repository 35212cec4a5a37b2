package org.capbuddy.sos.frametable;

import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Vka;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;
import org.capbuddy.libos.vspace.PagingStructure;
import org.capbuddy.libos.vspace.StructureAllocator;

/** Page tables for SOS's mappings, allocated through the vka. */
public final class VkaTables implements StructureAllocator {
    private final Vka vka;

    public VkaTables(Vka vka) {
        this.vka = vka;
    }

    @Override
    public Result<PagingStructure> allocPageTable() {
        return VkaObjects.allocPageTable(vka).map(o -> PagingStructure.unmapped(o.cptr(), o.cookie()));
    }

    @Override
    public Result<Void> freePageTable(PagingStructure table) {
        return VkaObjects.free(vka, new VkaObject(table.cptr(), table.cookie(),
                org.capbuddy.kernel.api.ObjectType.PAGE_TABLE, 0));
    }
}
