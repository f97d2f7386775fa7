/* What every fuzz target shares: without libFuzzer (SGN_LIBFUZZER undefined), a main that runs
 * LLVMFuzzerTestOneInput once over each file named on the command line (a directory: over each
 * file in it), which is how ctest replays the committed seed corpora (tests/fuzz/corpus/<target>/)
 * in every build, the sanitizer build included. Include it once, after the target's function. */
#ifndef SGN_FUZZ_MAIN_H
#define SGN_FUZZ_MAIN_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef SGN_LIBFUZZER
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int sgn_fuzz_run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    size_t n;

    if (f == NULL) {
        perror(path);
        return 1;
    }
    if ((buf = malloc(1 << 20)) == NULL) {
        fclose(f);
        return 1;
    }
    n = fread(buf, 1, 1 << 20, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int i, rc = 0, runs = 0;

    for (i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            DIR *d = opendir(argv[i]);
            struct dirent *e;
            char path[4096];
            while (d != NULL && (e = readdir(d)) != NULL) {
                if (e->d_name[0] == '.')
                    continue;
                snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
                rc |= sgn_fuzz_run_file(path);
                runs++;
            }
            if (d != NULL)
                closedir(d);
        } else {
            rc |= sgn_fuzz_run_file(argv[i]);
            runs++;
        }
    }
    if (runs == 0) {
        fprintf(stderr, "no input: name seed files or corpus directories\n");
        return 1;
    }
    printf("%d inputs replayed\n", runs);
    return rc;
}
#endif

#endif
