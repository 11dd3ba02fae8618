/* The receiver's counters for people (status line, summary) and for tools
 * (JSON lines). */
#ifndef AL_RECEIVER_STATS_REPORT_H
#define AL_RECEIVER_STATS_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "receiver/rx_stream.h"

/** One JSON object on one line: every counter, the elapsed seconds, and
 *  "final": true on the summary line. */
void stats_report_json(FILE *out, const rx_stats *s, double elapsed_s, bool final);

/** One status line: loss, recovered, concealed, late, jitter, buffer, bitrate. */
void stats_report_status(FILE *out, const rx_stats *s);

/** The summary printed at exit. */
void stats_report_summary(FILE *out, const rx_stats *s);

#endif
