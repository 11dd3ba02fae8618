/* Parsing option values with units, with one-line reasons for the user. */
#ifndef AL_COMMON_CLI_H
#define AL_COMMON_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** "32k", "32000", "0.5M" -> bits per second. Returns 0 or -1. */
int cli_parse_bitrate(const char *text, int *out);

/** "20", "20ms", "2.5", "2.5ms", "1s" -> microseconds. Returns 0 or -1. */
int cli_parse_duration_us(const char *text, int64_t *out);

/** An integer in [MIN, MAX]. Returns 0 or -1. */
int cli_parse_int(const char *text, long min, long max, long *out);

/** "0.2", "20%", "20" (a number above 1 is a percentage) -> 0..1. */
int cli_parse_fraction(const char *text, double *out);

/** True when NAME names a sound file rather than a sound device: it holds
 *  a '/' or ends in an extension ("talk.flac", "./x"); devices are
 *  "default", "3", "system", "jack:system". */
bool cli_looks_like_file(const char *name);

/** Fills BUF with LEN random bytes from the kernel (getrandom, then
 *  /dev/urandom). Falls back to the clock and PID if both fail. */
void cli_random_bytes(void *buf, size_t len);

/** Prints "PROGRAM: MESSAGE" to stderr and returns exit status 2 (usage). */
int cli_usage_error(const char *program, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
