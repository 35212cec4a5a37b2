package org.capbuddy.aarch64.qemu;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * The random-instruction differential fuzzer against QEMU: makes the ELF of a {@link RandomProgram},
 * records QEMU's single-step trace of it exactly as {@code programs/trace.sh} records the real
 * programs' ({@code env -i qemu-aarch64 -cpu cortex-a53 -seed 1 -singlestep -d cpu,fpu,nochain}),
 * and replays the trace in the interpreter with {@link QemuDifferential}, interpreted step by step
 * and translated in slices. Its {@link #main} writes the committed corpus ({@code qemu-fuzz.sh}).
 */
final class QemuFuzz {
    /** Instructions in each random block (setup instructions included). */
    static final int INSTRUCTIONS = 500;
    /** The corpus, relative to the aarch64 module (tests run there). */
    static final Path CORPUS = Path.of("src", "test", "resources", "org", "capbuddy", "aarch64", "qemu", "fuzz");
    /** The corpus of the estimates mix ({@link RandomProgram.Mix#ESTIMATES}). */
    static final Path ESTIMATES_CORPUS = CORPUS.resolveSibling("estimates");

    /** Where the corpus of {@code mix} lives. */
    static Path corpus(RandomProgram.Mix mix) {
        return mix == RandomProgram.Mix.ESTIMATES ? ESTIMATES_CORPUS : CORPUS;
    }

    private QemuFuzz() {
    }

    /** What QEMU did with a program: its exit status and what it said on standard error. */
    record Recording(int exitStatus, String stderr) {
    }

    /** Whether {@code qemu-aarch64} is on the PATH. */
    static boolean qemuAvailable() {
        return find("qemu-aarch64") != null;
    }

    /**
     * Runs {@code elf} under QEMU with single-step CPU and FPU logging into {@code log}, gzipped
     * (level 9) when its name ends in {@code .gz}. QEMU runs in the ELF's folder with a clean
     * environment and the relative name as argv[0], so the trace does not depend on where it runs.
     */
    static Recording record(Path elf, Path log) {
        Path folder = elf.toAbsolutePath().getParent();
        boolean gzip = log.getFileName().toString().endsWith(".gz");
        Path raw = gzip ? log.resolveSibling(log.getFileName() + ".log") : log;
        try {
            if (!elf.toFile().setExecutable(true)) {
                throw new IOException("cannot make " + elf + " executable");
            }
            List<String> command = new ArrayList<>(List.of("env", "-i", "qemu-aarch64", "-cpu", "cortex-a53", "-seed",
                    "1", "-singlestep", "-d", "cpu,fpu,nochain", "-D", raw.toAbsolutePath().toString(),
                    "./" + elf.getFileName()));
            // env -i also clears PATH: name QEMU by where the PATH has it
            command.set(2, which("qemu-aarch64"));
            Process process = new ProcessBuilder(command).directory(folder.toFile())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            byte[] stderr = process.getErrorStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("qemu-aarch64 did not finish " + elf + " in 60 s");
            }
            if (gzip) {
                try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(log)) {
                    {
                        def.setLevel(Deflater.BEST_COMPRESSION);
                    }
                }) {
                    Files.copy(raw, out);
                }
                Files.delete(raw);
            }
            return new Recording(process.exitValue(), new String(stderr, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String which(String program) {
        String path = find(program);
        if (path == null) {
            throw new IllegalStateException(program + " is not on the PATH");
        }
        return path;
    }

    private static String find(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String folder : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(folder, program);
            if (!folder.isEmpty() && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    /**
     * Replays a recorded program in the interpreter, step by step and then translated in seeded
     * slices of up to 64 instructions; returns null when both agree with QEMU at every comparison,
     * else the first difference.
     */
    static String check(Path elf, Path trace, long seed, QemuDifferential.Tamper tamper) {
        QemuDifferential.Outcome steps = QemuDifferential.run(elf, trace, null, 0, tamper);
        if (!steps.agreed()) {
            return "interpreted, " + steps.firstDifference();
        }
        QemuDifferential.Outcome slices = QemuDifferential.run(elf, trace, null, 0, tamper,
                new QemuDifferential.Slicing(1, 64, seed));
        if (!slices.agreed()) {
            return "translated in slices, " + slices.firstDifference();
        }
        return null;
    }

    /**
     * Writes the corpus: for seeds 1..count, {@code seed-N.elf} and its trace {@code seed-N.trace.gz}
     * into the folder given, and a MANIFEST. Arguments: folder, count, instructions, and the mix
     * ({@code general} when left out, or {@code estimates}).
     */
    public static void main(String[] args) throws IOException {
        Path folder = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        int instructions = Integer.parseInt(args[2]);
        RandomProgram.Mix mix = args.length > 3 ? RandomProgram.Mix.valueOf(args[3].toUpperCase(java.util.Locale.ROOT))
                : RandomProgram.Mix.GENERAL;
        Files.createDirectories(folder);
        List<String> manifest = new ArrayList<>();
        manifest.add("# Random-instruction programs and their QEMU traces (qemu-fuzz.sh): RandomProgram.generate(seed, "
                + instructions + (mix == RandomProgram.Mix.GENERAL ? "" : ", " + mix) + ")");
        manifest.add("# traced with env -i qemu-aarch64 -cpu cortex-a53 -seed 1 -singlestep -d cpu,fpu,nochain ./seed-N.elf");
        manifest.add("# seed  records  exit  trace.gz");
        for (long seed = 1; seed <= count; seed++) {
            RandomProgram program = RandomProgram.generate(seed, instructions, mix);
            Path elf = folder.resolve("seed-" + seed + ".elf");
            Files.write(elf, program.elf());
            Path trace = folder.resolve("seed-" + seed + ".trace.gz");
            Recording recording = record(elf, trace);
            long records;
            try (QemuTrace t = new QemuTrace(trace)) {
                records = 0;
                while (t.next() != null) {
                    records++;
                }
            }
            if (recording.exitStatus() != 0) {
                throw new IllegalStateException("seed " + seed + ": QEMU exited with " + recording.exitStatus() + ": "
                        + recording.stderr());
            }
            manifest.add(String.format("%6d  %7d  %4d  %8d", seed, records, recording.exitStatus(), Files.size(trace)));
            System.out.printf("seed %d: %d records, %,d bytes gzipped%n", seed, records, Files.size(trace));
        }
        Files.write(folder.resolve("MANIFEST"), manifest);
    }
}
