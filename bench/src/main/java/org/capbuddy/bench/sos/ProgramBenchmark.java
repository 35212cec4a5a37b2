package org.capbuddy.bench.sos;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.capbuddy.libos.capbuddy.PoolConfig;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.machine.SosMachine;
import org.capbuddy.sos.run.ProgramOutcome;
import org.capbuddy.sos.run.ProgramResult;
import org.capbuddy.sos.run.ProgramRunner;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Real AArch64 programs in SOS, end to end: each invocation spawns the program in an SOS process
 * (CapBuddy pool, 1 GiB), runs it on the interpreter through the process's MMU and TLB until it
 * exits, and tears the process down.
 *
 * <ul>
 *   <li>{@link #loopKernel}: the two loop kernels of {@code programs/} (k0: page-stride byte stores
 *       and loads, as pt_test makes them; k1: xorshift and table lookups), in runs per second; its
 *       secondary result {@code instructions} is instructions retired per second over the whole run
 *       (spawn and teardown included, well under a millisecond against tens of milliseconds), to set
 *       beside {@code qemu-aarch64} running the same ELF.
 *   <li>{@link #ptTest}: the seed's pt_test (musl, unmodified), start to teardown, in a warm JVM.
 * </ul>
 */
@Fork(value = 1, jvmArgsAppend = "-Xss8m")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ProgramBenchmark {

    static byte[] program(String name) {
        try (InputStream in = ProgramBenchmark.class.getResourceAsStream("/org/capbuddy/bench/programs/" + name + ".elf")) {
            if (in == null) {
                throw new IllegalStateException(name + ".elf is not in the benchmark jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A booted SOS machine, kept for the whole trial. */
    @State(Scope.Benchmark)
    public static class Machine {
        SosMachine machine;
        ProgramRunner runner;

        @Setup(Level.Trial)
        public void boot() {
            machine = SosMachine.boot(MachineConfig.capBuddy(1L << 30).withPool(PoolConfig.defaults().withSpareTrees(0)),
                    SosConfig.defaults()).value();
            runner = new ProgramRunner(machine.sos());
        }

        ProgramResult run(ProgramRunner.Launch launch) {
            ProgramResult result = runner.run(launch);
            if (result.outcome() != ProgramOutcome.EXITED || result.exitCode() != 0) {
                throw new IllegalStateException("the program did not exit 0: " + result);
            }
            return result;
        }
    }

    /** The loop kernel and its argument (iterations): its default, about 100 million instructions. */
    @State(Scope.Benchmark)
    public static class Kernel {
        @Param({"loop_k0:26000", "loop_k1:6000000"})
        public String kernel;
        ProgramRunner.Launch launch;

        @Setup(Level.Trial)
        public void load() {
            String[] parts = kernel.split(":");
            launch = new ProgramRunner.Launch(program(parts[0]), List.of(parts[0], parts[1]), List.of(), new byte[0], 1,
                    Long.MAX_VALUE);
        }
    }

    /** Instructions retired, reported per second beside the run's time. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Retired {
        public long instructions;
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public long loopKernel(Machine m, Kernel k, Retired retired) {
        ProgramResult r = m.run(k.launch);
        retired.instructions += r.instructions();
        return r.instructions();
    }

    /**
     * pt_test as its own state, so that its launch is built once; translating hot blocks at their
     * 256th entry (the default) or never.
     */
    @State(Scope.Benchmark)
    public static class PtTest {
        @Param({"256", "0"})
        public int translateAfter;
        ProgramRunner.Launch launch;

        @Setup(Level.Trial)
        public void load() {
            launch = new ProgramRunner.Launch(program("pt_test"), List.of("pt_test"), List.of(), new byte[0], 1,
                    Long.MAX_VALUE, translateAfter);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public long ptTest(Machine m, PtTest p) {
        return m.run(p.launch).instructions();
    }
}
