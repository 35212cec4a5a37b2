package org.capbuddy.aarch64.qemu;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads a QEMU 7.2 {@code -d cpu,fpu,nochain -singlestep} log, gzipped or plain, record by record. A record
 * starts at a line beginning with {@code " PC="} and holds {@code Xnn=}, {@code SP=},
 * {@code PSTATE=}, {@code FPCR=}, {@code FPSR=} and {@code Qnn=high:low} fields, all hexadecimal;
 * lines that are not part of a record (QEMU's notes) are skipped.
 */
final class QemuTrace implements AutoCloseable {
    private final BufferedReader reader;
    private String pending;

    QemuTrace(Path log) {
        try {
            InputStream in = new BufferedInputStream(Files.newInputStream(log), 1 << 16);
            in.mark(2);
            boolean gzipped = in.read() == 0x1F && in.read() == 0x8B;
            in.reset();
            reader = new BufferedReader(new InputStreamReader(gzipped ? new GZIPInputStream(in, 1 << 16) : in,
                    StandardCharsets.US_ASCII), 1 << 16);
            pending = reader.readLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next record, or null at the end. */
    TraceRecord next() {
        try {
            while (pending != null && !pending.startsWith(" PC=")) {
                pending = reader.readLine();
            }
            if (pending == null) {
                return null;
            }
            long[] x = new long[31];
            long[] q = new long[64];
            long pc = 0;
            long sp = 0;
            int nzcv = 0;
            int fpcr = 0;
            int fpsr = 0;
            String line = pending;
            boolean first = true;
            while (line != null && (first || !line.startsWith(" PC="))) {
                first = false;
                for (String token : line.trim().split("\\s+")) {
                    int eq = token.indexOf('=');
                    if (eq < 0) {
                        continue;
                    }
                    String key = token.substring(0, eq);
                    String value = token.substring(eq + 1);
                    if (key.equals("PC")) {
                        pc = Long.parseUnsignedLong(value, 16);
                    } else if (key.equals("SP")) {
                        sp = Long.parseUnsignedLong(value, 16);
                    } else if (key.equals("PSTATE")) {
                        nzcv = (int) Long.parseLong(value, 16) & 0xF000_0000;
                    } else if (key.equals("FPCR")) {
                        fpcr = (int) Long.parseLong(value, 16);
                    } else if (key.equals("FPSR")) {
                        fpsr = (int) Long.parseLong(value, 16);
                    } else if (key.length() == 3 && key.charAt(0) == 'X') {
                        x[Integer.parseInt(key.substring(1))] = Long.parseUnsignedLong(value, 16);
                    } else if (key.length() == 3 && key.charAt(0) == 'Q') {
                        int n = Integer.parseInt(key.substring(1));
                        int colon = value.indexOf(':');
                        q[2 * n + 1] = Long.parseUnsignedLong(value.substring(0, colon), 16);
                        q[2 * n] = Long.parseUnsignedLong(value.substring(colon + 1), 16);
                    }
                }
                line = reader.readLine();
            }
            pending = line;
            return new TraceRecord(pc, x, sp, nzcv, q, fpcr, fpsr);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            reader.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
