/* The receiver's counters for people (status line, summary) and for tools
 * (JSON lines). */
#ifndef AL_RECEIVER_STATS_REPORT_H
#define AL_RECEIVER_STATS_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "receiver/rx_stream.h"

/** The sound device's side, when playing to one. */
typedef struct device_report {
    uint64_t underruns;    /**< times the card found the ring short */
    double ring_delay_ms;  /**< what the device's ring adds (device_out.h) */
    double ring_target_ms; /**< ... and what it is kept at */
} device_report;

/** One JSON object on one line: every counter, the elapsed seconds,
 *  "final": true on the summary line, and DEV's fields (when not NULL). */
void stats_report_json(FILE *out, const rx_stats *s, const device_report *dev, double elapsed_s,
                       bool final);

/** One status line: loss, recovered, concealed, late, jitter, delay, and
 *  with DEV (not NULL) the device's buffer and underruns. */
void stats_report_status(FILE *out, const rx_stats *s, const device_report *dev);

/** The summary printed at exit. */
void stats_report_summary(FILE *out, const rx_stats *s);

#endif
