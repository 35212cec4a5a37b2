package org.capbuddy.sos.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.capbuddy.sos.Errno;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.exec.InitialStack;
import org.capbuddy.sos.exec.ProgramTable;

/**
 * What an execve reads from its caller before anything changes, in the order and with the errors
 * of Linux 6.1's do_execveat_common: the path (getname: EFAULT, ENAMETOOLONG past PATH_MAX with
 * its NUL, ENOENT when empty); the argv and envp pointer arrays, each up to its NULL (count:
 * EFAULT; a NULL array is empty); the stack limit for their pointers (bprm_stack_limits: E2BIG);
 * the strings, the path first, then envp and argv each from its last (copy_strings: EFAULT, E2BIG
 * for one past MAX_ARG_STRLEN or all of them past the limit); an empty argv given the one empty
 * string Linux adds, its NUL charged as copy_string_kernel charges it (E2BIG with no byte left);
 * then the program, looked up in the run's {@link ProgramTable} from the
 * working directory (ENOENT, ENAMETOOLONG for a component past NAME_MAX, ENOTDIR, EACCES). The
 * limit is the one the initial stack of
 * {@code run} enforces, {@link InitialStack#MAX_ARGUMENT_BYTES} (a quarter of the 8 MiB stack),
 * reckoned as Linux reckons it: the pointers first, then the strings with their NULs, the path's
 * too, so that whatever passes here the loader's stack takes. The strings are kept as the bytes
 * read, whatever their encoding, and the new program gets exactly those.
 *
 * @param path the path as passed (AT_EXECFN)
 * @param argv the arguments
 * @param envp the environment
 * @param program the program found
 */
record ExecArguments(byte[] path, List<byte[]> argv, List<byte[]> envp, ProgramTable.Lookup program) {
    /** PATH_MAX: the longest path, its NUL counted. */
    static final int PATH_MAX = InitialStack.MAX_NAME_BYTES;
    /** MAX_ARG_STRINGS: the most pointers argv or envp may hold. */
    static final long MAX_ARG_STRINGS = 0x7FFF_FFFFL;
    private static final int WORD = 8;

    /** Either the arguments read, or the errno that ends the call before its point of no return. */
    record Read(ExecArguments arguments, Errno error) {
        static Read failed(Errno e) {
            return new Read(null, e);
        }
    }

    /** Reads execve's arguments ({@code path}, {@code argv}, {@code envp} pointers) from the caller through {@code sys}. */
    static Read read(Syscalls sys, ProgramTable programs, long path, long argv, long envp) {
        UserString name = string(sys, path, PATH_MAX);
        if (name.fault()) {
            return Read.failed(Errno.EFAULT);
        }
        if (name.tooLong()) {
            return Read.failed(Errno.ENAMETOOLONG);
        }
        if (name.bytes().length == 0) {
            return Read.failed(Errno.ENOENT);
        }
        Pointers args = pointers(sys, argv);
        if (args.error() != null) {
            return Read.failed(args.error());
        }
        Pointers envs = pointers(sys, envp);
        if (envs.error() != null) {
            return Read.failed(envs.error());
        }
        long pointerBytes = (Math.max(args.count(), 1) + envs.count()) * WORD;
        long limit = InitialStack.MAX_ARGUMENT_BYTES;
        if (limit <= pointerBytes) {
            return Read.failed(Errno.E2BIG);
        }
        long room = limit - pointerBytes - (name.bytes().length + 1);
        if (room < 0) {
            return Read.failed(Errno.E2BIG);
        }
        Strings environment = strings(sys, envs.addresses(), room);
        if (environment.error() != null) {
            return Read.failed(environment.error());
        }
        Strings arguments = strings(sys, args.addresses(), environment.room());
        if (arguments.error() != null) {
            return Read.failed(arguments.error());
        }
        List<byte[]> argList = arguments.values();
        if (argList.isEmpty()) {
            if (arguments.room() < 1) {
                return Read.failed(Errno.E2BIG); // the added "" is a byte too many
            }
            argList = List.of(new byte[0]);
        }
        ProgramTable.Lookup found = programs.lookup(ProgramTable.ROOT, name.bytes());
        if (!found.found()) {
            return Read.failed(found.error());
        }
        return new Read(new ExecArguments(name.bytes(), argList, environment.values(), found), null);
    }

    /** The path as text, for reports and traces only (a byte that is not UTF-8 shows as U+FFFD). */
    String pathText() {
        return new String(path, StandardCharsets.UTF_8);
    }

    /** A NUL-terminated string read from the caller: its bytes, or that it could not be read or is too long. */
    private record UserString(byte[] bytes, boolean fault, boolean tooLong) {
    }

    /**
     * The string at {@code address}, as strnlen_user and strncpy_from_user read it: page by page up
     * to its NUL; unreadable memory before the NUL is a fault, no NUL within {@code max} bytes
     * (the NUL counted) is too long.
     */
    private static UserString string(Syscalls sys, long address, int max) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        long at = address;
        while (out.size() < max) {
            int chunk = (int) Math.min(max - out.size(), Syscalls.pageSize() - (at & (Syscalls.pageSize() - 1)));
            byte[] bytes = sys.copyFromUser(at, chunk);
            if (bytes == null) {
                return new UserString(null, true, false);
            }
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] == 0) {
                    out.write(bytes, 0, i);
                    return new UserString(out.toByteArray(), false, false);
                }
            }
            out.write(bytes, 0, bytes.length);
            at += chunk;
        }
        return new UserString(null, false, true);
    }

    /** The strings' addresses of an argv or envp array, or its errno. */
    private record Pointers(List<Long> addresses, long count, Errno error) {
    }

    /**
     * The pointers of the array at {@code array} up to its NULL, as Linux's count reads them: a
     * NULL array holds none, an unreadable pointer is EFAULT, more than MAX_ARG_STRINGS E2BIG. Past
     * what the stack limit could ever take the array is still read to its end (a fault there is
     * Linux's EFAULT first) but its pointers are only counted.
     */
    private static Pointers pointers(Syscalls sys, long array) {
        List<Long> addresses = new ArrayList<>();
        if (array == 0) {
            return new Pointers(addresses, 0, null);
        }
        long keep = InitialStack.MAX_ARGUMENT_BYTES / WORD;
        long count = 0;
        long at = array;
        while (true) {
            int chunk = (int) (Syscalls.pageSize() - (at & (Syscalls.pageSize() - 1)));
            chunk = Math.max(WORD, chunk - chunk % WORD);
            byte[] bytes = sys.copyFromUser(at, chunk);
            if (bytes == null) {
                bytes = sys.copyFromUser(at, WORD); // a pointer that straddles a page
                if (bytes == null) {
                    return new Pointers(null, 0, Errno.EFAULT);
                }
            }
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i + WORD <= bytes.length; i += WORD) {
                long pointer = b.getLong(i);
                if (pointer == 0) {
                    return new Pointers(addresses, count, null);
                }
                if (++count > MAX_ARG_STRINGS) {
                    return new Pointers(null, 0, Errno.E2BIG);
                }
                if (count <= keep) {
                    addresses.add(pointer);
                }
            }
            at += bytes.length;
        }
    }

    /** Strings read, and the room left under the limit; or the errno. */
    private record Strings(List<byte[]> values, long room, Errno error) {
    }

    /** The strings at {@code addresses}, read from the last as copy_strings reads them, within {@code room} bytes. */
    private static Strings strings(Syscalls sys, List<Long> addresses, long room) {
        List<byte[]> values = new ArrayList<>(Collections.nCopies(addresses.size(), (byte[]) null));
        for (int i = addresses.size() - 1; i >= 0; i--) {
            UserString s = string(sys, addresses.get(i), InitialStack.MAX_ARGUMENT_STRING);
            if (s.fault()) {
                return new Strings(null, 0, Errno.EFAULT);
            }
            if (s.tooLong()) {
                return new Strings(null, 0, Errno.E2BIG);
            }
            room -= s.bytes().length + 1;
            if (room < 0) {
                return new Strings(null, 0, Errno.E2BIG);
            }
            values.set(i, s.bytes());
        }
        return new Strings(values, room, null);
    }
}
