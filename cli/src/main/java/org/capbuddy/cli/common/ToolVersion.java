package org.capbuddy.cli.common;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Which build of the tool made a report: its version and the commit its jar was built from (with
 * whether the working tree had uncommitted changes then), as the build recorded them; "unknown"
 * when the build had no git history to read.
 */
public record ToolVersion(String version, String commit, boolean dirty) {
    public static final String VERSION = "0.1.0";

    /** This build's. */
    public static ToolVersion current() {
        Properties git = new Properties();
        try (InputStream in = ToolVersion.class.getResourceAsStream("/org/capbuddy/cli/git.properties")) {
            if (in != null) {
                git.load(in);
            }
        } catch (IOException e) {
            // no record of the commit: say so below rather than fail a run over it
        }
        return new ToolVersion(VERSION, git.getProperty("git.commit.id", "unknown"),
                Boolean.parseBoolean(git.getProperty("git.dirty", "false")));
    }
}
