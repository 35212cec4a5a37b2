/* student_text: a grep-like tool. getline reads standard input line by line (its buffer grows
 * for a long line; the last line has no newline), musl's regcomp/regexec match extended and
 * basic regular expressions with subexpressions, REG_ICASE, REG_NOSUB, REG_NEWLINE, back
 * references and anchors, regerror explains bad patterns, and fnmatch matches shell globs with
 * FNM_PATHNAME, FNM_PERIOD, FNM_NOESCAPE and bracket expressions. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <regex.h>
#include <fnmatch.h>

static const struct { const char *pat; int flags; } pats[] = {
    { "^[A-Z][a-z]+ [0-9]+$", REG_EXTENDED },
    { "([a-z]+)@([a-z]+)\\.(com|org)", REG_EXTENDED },
    { "error|warn(ing)?", REG_EXTENDED | REG_ICASE },
    { "\\(ab\\)*c\\1", 0 },
    { "a{2,3}b+", REG_EXTENDED },
    { "[[:digit:]]{3}-[[:digit:]]{4}", REG_EXTENDED },
    { "^$", REG_EXTENDED },
    { "[^[:space:]]+$", REG_EXTENDED | REG_NOSUB },
};

static void grep_lines(char **lines, size_t n) {
    for (size_t p = 0; p < sizeof pats / sizeof *pats; p++) {
        regex_t re;
        int rc = regcomp(&re, pats[p].pat, pats[p].flags);
        if (rc) {
            char msg[128];
            regerror(rc, &re, msg, sizeof msg);
            printf("pattern %zu: %s\n", p, msg);
            continue;
        }
        printf("pattern %zu /%s/ (%zu groups):", p, pats[p].pat, re.re_nsub);
        int hits = 0;
        for (size_t i = 0; i < n; i++) {
            regmatch_t m[4];
            if (regexec(&re, lines[i], 4, m, 0) == 0) {
                hits++;
                if (pats[p].flags & REG_NOSUB) {
                    printf(" %zu", i);
                    continue;
                }
                printf(" %zu[%d,%d", i, (int) m[0].rm_so, (int) m[0].rm_eo);
                for (size_t g = 1; g <= re.re_nsub && g < 4; g++)
                    if (m[g].rm_so >= 0)
                        printf(" '%.*s'", (int) (m[g].rm_eo - m[g].rm_so), lines[i] + m[g].rm_so);
                printf("]");
            }
        }
        printf(" -> %d\n", hits);
        regfree(&re);
    }
}

static void bad_patterns(void) {
    static const char *bad[] = { "a(b", "[z-a]", "x{3,2}", "*a", "a\\", "[[:nope:]]", "(|a)" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        regex_t re;
        int rc = regcomp(&re, bad[i], REG_EXTENDED);
        char msg[128] = "ok";
        if (rc) regerror(rc, &re, msg, sizeof msg);
        else regfree(&re);
        printf("regcomp(\"%s\") = %d: %s\n", bad[i], rc, msg);
    }
    regex_t re;
    regcomp(&re, "^b.*$", REG_EXTENDED | REG_NEWLINE);
    regmatch_t m;
    const char *text = "alpha\nbeta gamma\ndelta";
    int rc = regexec(&re, text, 1, &m, 0);
    printf("REG_NEWLINE: rc %d [%d,%d] '%.*s'\n", rc, (int) m.rm_so, (int) m.rm_eo, (int) (m.rm_eo - m.rm_so), text + m.rm_so);
    rc = regexec(&re, text, 1, &m, REG_NOTBOL);
    printf("REG_NOTBOL: rc %d\n", rc);
    regfree(&re);
    /* find every match by moving the start */
    regcomp(&re, "[0-9]+", REG_EXTENDED);
    const char *s = "r2d2 and c3po met 1138 droids";
    printf("numbers:");
    while (regexec(&re, s, 1, &m, 0) == 0) {
        printf(" %.*s", (int) (m.rm_eo - m.rm_so), s + m.rm_so);
        s += m.rm_eo;
    }
    printf("\n");
    regfree(&re);
}

static void globs(void) {
    static const struct { const char *pat, *name; int flags; } g[] = {
        { "*.c", "main.c", 0 }, { "*.c", "src/main.c", FNM_PATHNAME }, { "*/*.c", "src/main.c", FNM_PATHNAME },
        { "*", ".hidden", FNM_PERIOD }, { ".*", ".hidden", FNM_PERIOD }, { "?at", "cat", 0 },
        { "[!abc]at", "cat", 0 }, { "[a-c]at", "bat", 0 }, { "\\*", "*", 0 }, { "\\*", "\\*", FNM_NOESCAPE },
        { "[[:upper:]]*", "Makefile", 0 }, { "*[0-9]", "file10", 0 }, { "a*b*c*d", "axxbyyczzd", 0 },
        { "a*b*c*d", "axxbyyczz", 0 }, { "src/*", "src/a/b", FNM_PATHNAME }, { "src/*", "src/a/b", 0 },
        { "*.TXT", "notes.txt", FNM_CASEFOLD }, { "[]]", "]", 0 }, { "[", "[", 0 },
    };
    for (size_t i = 0; i < sizeof g / sizeof *g; i++)
        printf("fnmatch(\"%s\", \"%s\", %d) = %s\n", g[i].pat, g[i].name, g[i].flags,
               fnmatch(g[i].pat, g[i].name, g[i].flags) == 0 ? "match" : "no match");
}

int main(void) {
    char *line = NULL, **lines = NULL;
    size_t cap = 0, n = 0, longest = 0, total = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, stdin)) != -1) {
        total += (size_t) len;
        if ((size_t) len > longest) longest = (size_t) len;
        if (len > 0 && line[len - 1] == '\n') line[--len] = '\0';
        lines = realloc(lines, (n + 1) * sizeof *lines);
        lines[n++] = strdup(line);
    }
    printf("getline: %zu lines, %zu bytes, longest %zu, buffer at least %s\n", n, total, longest,
           cap > longest ? "longest+1" : "too small");
    for (size_t i = 0; i < n; i++) printf("%2zu: %.60s%s\n", i, lines[i], strlen(lines[i]) > 60 ? "..." : "");
    grep_lines(lines, n);
    bad_patterns();
    globs();
    for (size_t i = 0; i < n; i++) free(lines[i]);
    free(lines);
    free(line);
    return 0;
}
