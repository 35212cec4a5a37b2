/* student_printf: string handling and every printf conversion a student uses. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <ctype.h>
#include <stdint.h>
#include <inttypes.h>

static void reverse(char *s) {
    size_t n = strlen(s);
    for (size_t i = 0; i < n / 2; i++) {
        char t = s[i]; s[i] = s[n - 1 - i]; s[n - 1 - i] = t;
    }
}

int main(void) {
    char buf[128];
    char word[] = "Operating Systems";
    strcpy(buf, word);
    reverse(buf);
    printf("reverse: '%s' (len %zu)\n", buf, strlen(buf));
    for (char *p = buf; *p; p++) *p = toupper((unsigned char)*p);
    printf("upper:   '%s'\n", buf);

    char line[] = "ls -l /home/student  | wc -l";
    int n = 0;
    for (char *tok = strtok(line, " "); tok; tok = strtok(NULL, " "))
        printf("token[%d] = \"%s\"\n", n++, tok);

    printf("[%d] [%5d] [%-5d] [%05d] [%+d] [% d] [%i]\n", 42, 42, 42, 42, 42, 42, -7);
    printf("[%u] [%x] [%X] [%#x] [%o] [%#o] [%08x]\n", 3000000000u, 0xbeefu, 0xbeefu, 255, 8, 8, 0xabcu);
    printf("[%ld] [%lld] [%llu] [%" PRIx64 "] [%zu] [%hd] [%hhu]\n",
           -1234567890123L, (long long)INT64_MIN, (unsigned long long)UINT64_MAX,
           (uint64_t)0xdeadbeefcafebabeULL, sizeof(long double), (short)70000, (unsigned char)300);
    printf("[%s] [%10s] [%-10s] [%.3s] [%c] [%3c] [%%]\n", "abc", "right", "left", "truncate", 'x', 'y');
    printf("[%f] [%.2f] [%10.3f] [%-10.1f] [%+.0f] [%e] [%.3E]\n", 3.14159265, 2.5, -1.0 / 3, 100.25, 2.5, 123456.789, 0.000123);
    printf("[%g] [%g] [%g] [%G] [%.10g] [%a]\n", 0.0001, 1e-5, 123456789.0, 1e20, 1.0 / 7, 1.0);
    printf("[%f] [%f] [%f] [%e]\n", 1.0 / 0.0, -1.0 / 0.0, 0.0 / 0.0, 0.0);
    printf("[%Lf] [%.20Lg]\n", (long double)1 / 3, (long double)2 / 3);
    int x = 5;
    void *p = &x;
    char pb[32];
    snprintf(pb, sizeof pb, "%p", p);
    printf("pointer starts with 0x: %s, null %p\n", strncmp(pb, "0x", 2) == 0 ? "yes" : "no", (void *)0);
    int w = snprintf(buf, 10, "%s-%d", "truncated-output", 12345);
    printf("snprintf wanted %d, got '%s'\n", w, buf);
    printf("%*d|%-*d|%.*f\n", 6, 7, 6, 8, 3, 3.14159);
    printf("strtol: %ld %ld %lu\n", strtol("-0x1f", NULL, 16), strtol("0777", NULL, 0), strtoul("18446744073709551615", NULL, 10));
    printf("strtod: %.6f atof: %g\n", strtod("  -12.5e2xyz", NULL), atof("3.0e-3"));
    char *dup = strdup("duplicate me");
    printf("strdup: %s, strchr: %s, strrchr: %s, strstr: %s\n", dup, strchr(dup, 'i'), strrchr(dup, 'e'), strstr(dup, "me"));
    free(dup);
    printf("memcmp: %d strcmp: %d strncasecmp: %d\n", memcmp("abc", "abd", 3) < 0, strcmp("b", "a") > 0, strncasecmp("HeLLo", "hello", 5));
    int printed = printf("%s\n", "count me");
    printf("printf returned %d\n", printed);
    fputs("to stderr\n", stderr);
    puts("done");
    return 0;
}
