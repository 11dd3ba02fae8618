#include "common/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static int parse_double(const char *text, double *value, const char **rest)
{
    if (!text || !*text)
        return -1;
    char *end;
    errno = 0;
    *value = strtod(text, &end);
    if (end == text || errno || !isfinite(*value))
        return -1;
    *rest = end;
    return 0;
}

int cli_parse_bitrate(const char *text, int *out)
{
    double value;
    const char *rest;
    if (parse_double(text, &value, &rest) != 0)
        return -1;
    if (strcasecmp(rest, "k") == 0 || strcasecmp(rest, "kbps") == 0)
        value *= 1000;
    else if (strcasecmp(rest, "m") == 0 || strcasecmp(rest, "mbps") == 0)
        value *= 1000000;
    else if (*rest && strcasecmp(rest, "bps") != 0)
        return -1;
    if (value < 1 || value > 10e6)
        return -1;
    *out = (int)lround(value);
    return 0;
}

int cli_parse_duration_us(const char *text, int64_t *out)
{
    double value;
    const char *rest;
    if (parse_double(text, &value, &rest) != 0 || value < 0)
        return -1;
    if (*rest == 0 || strcmp(rest, "ms") == 0)
        value *= 1000;
    else if (strcmp(rest, "s") == 0)
        value *= 1000000;
    else if (strcmp(rest, "us") != 0)
        return -1;
    if (value > 1e12)
        return -1;
    *out = (int64_t)llround(value);
    return 0;
}

int cli_parse_int(const char *text, long min, long max, long *out)
{
    if (!text || !*text)
        return -1;
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (*end || errno || value < min || value > max)
        return -1;
    *out = value;
    return 0;
}

int cli_parse_fraction(const char *text, double *out)
{
    double value;
    const char *rest;
    if (parse_double(text, &value, &rest) != 0)
        return -1;
    if (strcmp(rest, "%") == 0 || (*rest == 0 && value > 1))
        value /= 100;
    else if (*rest)
        return -1;
    if (value < 0 || value > 1)
        return -1;
    *out = value;
    return 0;
}

bool cli_looks_like_file(const char *name)
{
    const char *dot = strrchr(name, '.');
    return strchr(name, '/') || (dot && dot[1] && strlen(dot) <= 5 && !strchr(dot, ':'));
}

void cli_random_bytes(void *buf, size_t len)
{
    if (getrandom(buf, len, 0) == (ssize_t)len)
        return;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t got = read(fd, buf, len);
        close(fd);
        if (got == (ssize_t)len)
            return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    unsigned seed = (unsigned)ts.tv_nsec ^ (unsigned)getpid() << 16;
    for (size_t i = 0; i < len; i++)
        ((unsigned char *)buf)[i] = (unsigned char)rand_r(&seed);
}

int cli_usage_error(const char *program, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", program);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (try --help)\n");
    va_end(ap);
    return 2;
}
