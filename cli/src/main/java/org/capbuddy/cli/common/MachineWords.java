package org.capbuddy.cli.common;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import org.capbuddy.aarch64.cpu.Registers;
import org.capbuddy.kernel.api.PagingWalk;
import org.capbuddy.sos.inspect.CallChain;
import org.capbuddy.sos.inspect.StopReport;

/**
 * How the CLI's JSON writes AArch64 machine words (addresses, register values, instruction
 * encodings): as unsigned numbers, as the hardware holds them. Java keeps them in signed
 * {@code long}s and {@code int}s, so a kernel-half address or a register holding -1 would
 * otherwise come out negative, and an instruction word with its top bit set too. Counts are
 * written as they are.
 *
 * <p>Records of the lower layers cannot carry Jackson's annotations (the model does not depend on
 * Jackson), so they get theirs here, as mix-ins; records of the CLI annotate their own components
 * with {@link Unsigned}.
 */
public final class MachineWords {
    private MachineWords() {
    }

    /** The module that gives the model's records their unsigned words. */
    public static SimpleModule module() {
        SimpleModule m = new SimpleModule("machine-words");
        m.addSerializer(Registers.class, new RegistersSerializer());
        m.setMixInAnnotation(StopReport.class, StopReportMixIn.class);
        m.setMixInAnnotation(PagingWalk.class, PagingWalkMixIn.class);
        m.setMixInAnnotation(CallChain.Frame.class, FrameMixIn.class);
        return m;
    }

    /** Writes a {@code long} (or {@code Long}) as an unsigned 64-bit number. */
    public static final class Unsigned extends StdSerializer<Long> {
        public Unsigned() {
            super(Long.class);
        }

        @Override
        public void serialize(Long value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            writeUnsigned(gen, value);
        }
    }

    /** Writes an {@code int} (or {@code Integer}) as an unsigned 32-bit number (an instruction's encoding). */
    public static final class Unsigned32 extends StdSerializer<Integer> {
        public Unsigned32() {
            super(Integer.class);
        }

        @Override
        public void serialize(Integer value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeNumber(Integer.toUnsignedLong(value));
        }
    }

    private static void writeUnsigned(JsonGenerator gen, long word) throws IOException {
        if (word >= 0) {
            gen.writeNumber(word);
        } else {
            gen.writeNumber(Long.toUnsignedString(word));
        }
    }

    /** The register file, in the order and under the names {@link Registers} declares, every word unsigned. */
    private static final class RegistersSerializer extends StdSerializer<Registers> {
        RegistersSerializer() {
            super(Registers.class);
        }

        @Override
        public void serialize(Registers r, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeStartObject();
            words(gen, "x", r.x());
            gen.writeFieldName("sp");
            writeUnsigned(gen, r.sp());
            gen.writeFieldName("pc");
            writeUnsigned(gen, r.pc());
            gen.writeNumberField("nzcv", Integer.toUnsignedLong(r.nzcv()));
            gen.writeFieldName("tpidr");
            writeUnsigned(gen, r.tpidr());
            words(gen, "vector", r.vector());
            gen.writeNumberField("fpcr", Integer.toUnsignedLong(r.fpcr()));
            gen.writeNumberField("fpsr", Integer.toUnsignedLong(r.fpsr()));
            gen.writeNumberField("instructions", r.instructions());
            gen.writeEndObject();
        }

        private static void words(JsonGenerator gen, String name, long[] words) throws IOException {
            gen.writeArrayFieldStart(name);
            for (long w : words) {
                writeUnsigned(gen, w);
            }
            gen.writeEndArray();
        }
    }

    /** A kill's stop: its PC and encoding unsigned, with the instruction's operation and text beside them. */
    @JsonPropertyOrder({"pc", "fetched", "word", "operation", "assembly", "calls", "registers", "walk", "regions"})
    private abstract static class StopReportMixIn {
        @JsonSerialize(using = Unsigned.class)
        abstract long pc();

        @JsonSerialize(using = Unsigned32.class)
        abstract int word();

        @JsonProperty("operation")
        abstract String operation();

        @JsonProperty("assembly")
        abstract String assembly();
    }

    /** An address on a backtrace, which a corrupted stack may give any value; {@code where()} is for text only. */
    private abstract static class FrameMixIn {
        @JsonSerialize(using = Unsigned.class)
        abstract long address();

        @JsonIgnore
        abstract String where();
    }

    /** A walk of a faulting address, which may lie in the kernel half (top bit set). */
    private abstract static class PagingWalkMixIn {
        @JsonSerialize(using = Unsigned.class)
        abstract long vaddr();
    }
}
