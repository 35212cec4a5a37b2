package org.capbuddy.sos.exec;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.Errno;

/**
 * The programs a run's {@code execve} may load. SOS has no file system, so a run names each image
 * it offers by a path, and this table is the whole tree those paths make: each program a regular
 * file, each proper prefix of one a directory, the root {@code /} a directory. A path a program
 * passes is walked as Linux's {@code path_lookupat} walks it, from the root or from the working
 * directory, one component at a time: {@code .} and repeated slashes change nothing, {@code ..}
 * goes up (the root is its own parent), a name that is neither a program nor a directory is
 * ENOENT, a program with more of the path after it ENOTDIR, and a directory at the end EACCES, as
 * Linux's execve refuses a file that is not regular. A value: adding gives a new table.
 */
public final class ProgramTable {
    /** The root directory, and the working directory of every process (getcwd's answer). */
    public static final String ROOT = "/";
    /** NAME_MAX: the longest name one component of a path may have, in bytes. */
    public static final int NAME_MAX = 255;

    private static final ProgramTable EMPTY = new ProgramTable(Map.of(), Set.of(ROOT));

    /** Programs by absolute path, none with "." or ".." or an empty component; the bytes are not copied. */
    private final Map<String, byte[]> programs;
    /** Every directory the programs' paths make, the root too. */
    private final Set<String> directories;

    private ProgramTable(Map<String, byte[]> programs, Set<String> directories) {
        this.programs = programs;
        this.directories = directories;
    }

    /** A table with no program: every execve finds nothing (ENOENT). */
    public static ProgramTable empty() {
        return EMPTY;
    }

    /** What {@link #lookup} found: the program's absolute path and bytes, or the errno execve returns. */
    public record Lookup(Errno error, String path, byte[] elf) {
        public boolean found() {
            return error == null;
        }
    }

    /**
     * This table with {@code elf} reachable at {@code path} (relative paths are taken from the
     * root, {@code .}, {@code ..} and repeated slashes folded as written). Refused, naming why, for
     * an empty path, one that folds to the root, one a program already has, or one that would
     * make a program a directory of another (or the other way round).
     *
     * @param elf the program's bytes, kept (not copied): the caller must not change them
     */
    public Result<ProgramTable> with(String path, byte[] elf) {
        if (path == null || path.isEmpty() || elf == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "a program needs a path and its bytes");
        }
        if (path.indexOf('\0') >= 0) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "the path '" + path.replace('\0', '?')
                    + "' holds a NUL byte, which no execve can pass");
        }
        String absolute = normalise(path);
        if (absolute.equals(ROOT)) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "the path '" + path + "' names the root directory, not a program");
        }
        if (programs.containsKey(absolute)) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "the path '" + path + "' names " + absolute
                    + ", which is already a program of the run");
        }
        if (directories.contains(absolute)) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "the path '" + path + "' names " + absolute
                    + ", a directory of another program's path");
        }
        List<String> parents = parents(absolute);
        for (String dir : parents) {
            if (programs.containsKey(dir)) {
                return Result.fail(AllocErrorKind.BAD_ARGUMENT, "the path '" + path + "' goes on below the program "
                        + dir + ", which is not a directory");
            }
        }
        Map<String, byte[]> more = new LinkedHashMap<>(programs);
        more.put(absolute, elf);
        Set<String> dirs = new TreeSet<>(directories);
        dirs.addAll(parents);
        return Result.ok(new ProgramTable(Collections.unmodifiableMap(more), Collections.unmodifiableSet(dirs)));
    }

    /** Whether {@code path} (folded as {@link #with} folds it) names a program of the table. */
    public boolean has(String path) {
        return path != null && !path.isEmpty() && programs.containsKey(normalise(path));
    }

    /** The programs' absolute paths, in the order they were added. */
    public List<String> paths() {
        return List.copyOf(programs.keySet());
    }

    /**
     * Finds {@code path} as an execve from a process whose working directory is {@code cwd} (an
     * absolute directory path) would, component by component; an empty path is ENOENT.
     */
    public Lookup lookup(String cwd, String path) {
        return lookup(cwd, path == null ? null : path.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * {@link #lookup(String, String)} for the path's bytes, as execve reads them: a component of
     * more than {@link #NAME_MAX} bytes is ENAMETOOLONG where the walk reaches it (a file system's
     * lookup refuses it before looking, so a missing directory before it is ENOENT first, a
     * program before it ENOTDIR); one that is not UTF-8 names no program of the table (ENOENT).
     */
    public Lookup lookup(String cwd, byte[] path) {
        if (path == null || path.length == 0) {
            return new Lookup(Errno.ENOENT, null, null);
        }
        String dir = path[0] == '/' || cwd == null ? ROOT : normalise(cwd);
        List<byte[]> parts = components(path);
        for (int i = 0; i < parts.size(); i++) {
            byte[] bytes = parts.get(i);
            if (bytes.length > NAME_MAX) {
                return new Lookup(Errno.ENAMETOOLONG, null, null);
            }
            String name = text(bytes);
            if (name == null) {
                return new Lookup(Errno.ENOENT, null, null); // no name of the table has these bytes
            }
            if (name.isEmpty() || name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                dir = parent(dir);
                continue;
            }
            String next = dir.equals(ROOT) ? ROOT + name : dir + "/" + name;
            if (programs.containsKey(next)) {
                // a regular file: anything after it (a slash, ".", "..") walks into a non-directory
                return i == parts.size() - 1 ? new Lookup(null, next, programs.get(next))
                        : new Lookup(Errno.ENOTDIR, null, null);
            }
            if (!directories.contains(next)) {
                return new Lookup(Errno.ENOENT, null, null);
            }
            dir = next;
        }
        return new Lookup(Errno.EACCES, null, null); // a directory: not a regular file
    }

    /** {@code path} split at each slash, empty components kept (a trailing slash makes the last). */
    private static List<byte[]> components(byte[] path) {
        List<byte[]> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= path.length; i++) {
            if (i == path.length || path[i] == '/') {
                parts.add(Arrays.copyOfRange(path, start, i));
                start = i + 1;
            }
        }
        return parts;
    }

    /** {@code bytes} as text when they are UTF-8, else null. */
    private static String text(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** {@code path} as an absolute path from the root, its ".", ".." and empty components folded. */
    static String normalise(String path) {
        List<String> names = new ArrayList<>();
        for (String name : path.split("/")) {
            if (name.isEmpty() || name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                if (!names.isEmpty()) {
                    names.remove(names.size() - 1);
                }
                continue;
            }
            names.add(name);
        }
        return ROOT + String.join("/", names);
    }

    private static String parent(String dir) {
        int slash = dir.lastIndexOf('/');
        return slash <= 0 ? ROOT : dir.substring(0, slash);
    }

    /** The directories above {@code absolute}, the root first. */
    private static List<String> parents(String absolute) {
        List<String> dirs = new ArrayList<>();
        for (String d = parent(absolute); ; d = parent(d)) {
            dirs.add(0, d);
            if (d.equals(ROOT)) {
                return dirs;
            }
        }
    }

    @Override
    public String toString() {
        return "ProgramTable" + programs.keySet();
    }
}
