/* A stand-in for libFuzzer's main() so the fuzz targets run in every build:
 * it feeds each file of a seed corpus to the target, then a fixed number of
 * mutations of those seeds drawn from a seeded generator (bit flips, byte
 * overwrites, truncation, extension with random bytes). Deterministic, so a
 * failure reproduces; libFuzzer builds (AL_LIBFUZZER) explore much further. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEEDS     256
#define MAX_SEED_SIZE 65536

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t next_random(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static size_t load_seeds(const char *dir, uint8_t **seeds, size_t *sizes)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir(d)) && count < MAX_SEEDS) {
        if (entry->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        seeds[count] = malloc(MAX_SEED_SIZE);
        sizes[count] = fread(seeds[count], 1, MAX_SEED_SIZE, f);
        fclose(f);
        count++;
    }
    closedir(d);
    return count;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR [MUTATIONS]\n", argv[0]);
        return 2;
    }
    long mutations = argc > 2 ? strtol(argv[2], NULL, 10) : 10000;
    static uint8_t *seeds[MAX_SEEDS];
    static size_t sizes[MAX_SEEDS];
    size_t count = load_seeds(argv[1], seeds, sizes);
    if (count == 0) {
        static uint8_t empty[1];
        seeds[0] = empty;
        sizes[0] = 0;
        count = 1;
    }
    for (size_t i = 0; i < count; i++)
        LLVMFuzzerTestOneInput(seeds[i], sizes[i]);

    static uint8_t buf[MAX_SEED_SIZE + 64];
    for (long m = 0; m < mutations; m++) {
        size_t pick = next_random() % count;
        size_t len = sizes[pick];
        memcpy(buf, seeds[pick], len);
        int edits = 1 + next_random() % 4;
        for (int e = 0; e < edits; e++) {
            switch (next_random() % 4) {
            case 0:
                if (len)
                    buf[next_random() % len] ^= (uint8_t)(1u << (next_random() % 8));
                break;
            case 1:
                if (len)
                    buf[next_random() % len] = (uint8_t)next_random();
                break;
            case 2:
                if (len)
                    len = next_random() % len;
                break;
            default: {
                size_t extra = next_random() % 16;
                for (size_t k = 0; k < extra && len < sizeof buf; k++)
                    buf[len++] = (uint8_t)next_random();
            }
            }
        }
        /* Copy into an exact-size heap block so ASan sees any overread. */
        uint8_t *exact = malloc(len ? len : 1);
        memcpy(exact, buf, len);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
    }
    printf("%zu seeds, %ld mutations: no crash\n", count, mutations);
    return 0;
}
