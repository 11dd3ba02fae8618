/* Listing and finding sound devices (see device_list.h). */
#include "audio/device_list.h"

#include <ctype.h>
#include <errno.h>
#include <portaudio.h>
#include <stdlib.h>
#include <string.h>

#include "audio/device_internal.h"
#include "audio/device_pa.h"

/* PortAudio's device count (initialising it first), or -1 with a reason. */
static int count_devices(char *err, size_t err_size)
{
    if (device_pa_acquire(err, err_size) != 0)
        return -1;
    int n = Pa_GetDeviceCount();
    if (n < 0)
        device_set_err(err, err_size, "cannot list audio devices: %s", device_pa_reason(n));
    return n < 0 ? -1 : n;
}

int device_list(FILE *out, char *err, size_t err_size)
{
    int n = count_devices(err, err_size);
    if (n < 0)
        return -1;
    if (n == 0) {
        fprintf(out, "no audio devices (is an audio server running?)\n");
        return 0;
    }
    PaDeviceIndex def_in = Pa_GetDefaultInputDevice(), def_out = Pa_GetDefaultOutputDevice();
    for (int i = 0; i < n; i++) {
        const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
        if (d == NULL)
            continue;
        fprintf(
            out, "%3d  %s: '%s'  in %d, out %d, %.0f Hz, latency in %.1f-%.1f ms, out %.1f-%.1f ms",
            i, device_api_name(d), d->name, d->maxInputChannels, d->maxOutputChannels,
            d->defaultSampleRate, d->defaultLowInputLatency * 1e3, d->defaultHighInputLatency * 1e3,
            d->defaultLowOutputLatency * 1e3, d->defaultHighOutputLatency * 1e3);
        if (i == def_in && i == def_out)
            fprintf(out, "  (default input and output)");
        else if (i == def_in)
            fprintf(out, "  (default input)");
        else if (i == def_out)
            fprintf(out, "  (default output)");
        fputc('\n', out);
    }
    return n;
}

/* Case-insensitive "does HAY contain NEEDLE" (strcasestr is a GNU extension). */
static bool contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay != '\0'; hay++) {
        size_t i = 0;
        while (i < n && hay[i] != '\0' &&
               tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return true;
    }
    return n == 0;
}

static bool equal_nocase(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++) {
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    }
    return *a == *b;
}

/* Appends " 3 'name' [API]," style entries for every device with channels in
 * that direction (and matching API/NAME filters when given) to BUF. */
static void append_candidates(char *buf, size_t size, bool input, const char *api_part,
                              const char *name_part)
{
    size_t len = strlen(buf);
    int shown = 0;
    for (int i = 0, n = Pa_GetDeviceCount(); i < n && len + 1 < size; i++) {
        const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
        if (d == NULL || device_channels_of(d, input) == 0)
            continue;
        if (api_part != NULL && !contains_nocase(device_api_name(d), api_part))
            continue;
        if (name_part != NULL && !contains_nocase(d->name, name_part))
            continue;
        int w = snprintf(buf + len, size - len, "%s%d '%s' [%s]", shown ? ", " : "", i, d->name,
                         device_api_name(d));
        if (w < 0)
            break;
        len += (size_t)w;
        shown++;
    }
    if (shown == 0 && len + 1 < size)
        snprintf(buf + len, size - len, "none");
}

/* Looks for devices whose name contains NAME_PART (and whose host API's name
 * contains API_PART unless NULL). Returns the index, -1 when none matches,
 * -2 when several match and none exactly. */
static int match_name(const char *api_part, const char *name_part, bool input)
{
    int found = -1, count = 0;
    for (int i = 0, n = Pa_GetDeviceCount(); i < n; i++) {
        const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
        if (d == NULL || device_channels_of(d, input) == 0)
            continue;
        if (api_part != NULL && !contains_nocase(device_api_name(d), api_part))
            continue;
        if (equal_nocase(d->name, name_part))
            return i;
        if (contains_nocase(d->name, name_part)) {
            if (count++ == 0)
                found = i;
        }
    }
    return count > 1 ? -2 : found;
}

static bool all_digits(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (!isdigit((unsigned char)*s))
            return false;
    }
    return true;
}

int device_find(const char *spec, bool input, char *err, size_t err_size)
{
    int n = count_devices(err, err_size);
    if (n < 0)
        return -1;
    if (n == 0) {
        device_set_err(err, err_size, "no audio devices (is an audio server running?)");
        return -1;
    }
    char list[768] = "";

    if (spec == NULL || spec[0] == '\0' || equal_nocase(spec, "default")) {
        PaDeviceIndex i = input ? Pa_GetDefaultInputDevice() : Pa_GetDefaultOutputDevice();
        if (i != paNoDevice)
            return i;
        append_candidates(list, sizeof list, input, NULL, NULL);
        device_set_err(err, err_size, "no default %s device (%s devices: %s)",
                       device_dir_word(input), device_dir_word(input), list);
        return -1;
    }

    if (all_digits(spec)) {
        errno = 0;
        long i = strtol(spec, NULL, 10);
        if (errno == ERANGE || i >= n) {
            device_set_err(err, err_size, "no audio device %s (there are %d: 0..%d)", spec, n,
                           n - 1);
            return -1;
        }
        const PaDeviceInfo *d = Pa_GetDeviceInfo((PaDeviceIndex)i);
        if (device_channels_of(d, input) == 0) {
            device_set_err(err, err_size, "device %ld '%s' has no %s channels", i, d->name,
                           device_dir_word(input));
            return -1;
        }
        return (int)i;
    }

    int i = match_name(NULL, spec, input);
    if (i >= 0)
        return i;
    const char *colon = strchr(spec, ':');
    char api_part[128] = "";
    const char *name_part = spec;
    if (i == -1 && colon != NULL && (size_t)(colon - spec) < sizeof api_part) {
        memcpy(api_part, spec, (size_t)(colon - spec));
        api_part[colon - spec] = '\0';
        name_part = colon + 1;
        i = match_name(api_part, name_part, input);
        if (i >= 0)
            return i;
    }
    if (i == -2) {
        append_candidates(list, sizeof list, input, api_part[0] ? api_part : NULL, name_part);
        device_set_err(err, err_size,
                       "'%s' matches several %s devices (%s): give the index or more of the name",
                       spec, device_dir_word(input), list);
        return -1;
    }
    /* Say so when the name exists but only for the other direction. */
    for (int k = 0; k < n; k++) {
        const PaDeviceInfo *d = Pa_GetDeviceInfo(k);
        if (d != NULL && contains_nocase(d->name, spec) && device_channels_of(d, input) == 0) {
            device_set_err(err, err_size, "device %d '%s' has no %s channels", k, d->name,
                           device_dir_word(input));
            return -1;
        }
    }
    append_candidates(list, sizeof list, input, NULL, NULL);
    device_set_err(err, err_size, "no %s device matches '%s' (%s devices: %s)",
                   device_dir_word(input), spec, device_dir_word(input), list);
    return -1;
}

int device_list_command(const char *program)
{
    char err[256];
    /* device_list returns how many devices it listed; only a negative
     * count is a failure (with a reason in ERR). */
    int count = device_list(stdout, err, sizeof err);
    if (count < 0)
        fprintf(stderr, "%s: %s\n", program, err);
    device_terminate();
    return count < 0 ? 1 : 0;
}
