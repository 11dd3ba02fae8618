#include "receiver/stats_report.h"

#include <inttypes.h>

void stats_report_json(FILE *out, const rx_stats *s, const device_report *dev, double elapsed_s,
                       bool final)
{
    fprintf(out,
            "{\"elapsed_s\":%.3f,\"final\":%s,\"packets_received\":%" PRIu64
            ",\"packets_lost\":%" PRIu64 ",\"packets_late\":%" PRIu64
            ",\"packets_duplicate\":%" PRIu64 ",\"packets_invalid\":%" PRIu64
            ",\"packets_foreign\":%" PRIu64 ",\"bytes_received\":%" PRIu64
            ",\"frames_total\":%" PRIu64 ",\"frames_primary\":%" PRIu64 ",\"frames_red\":%" PRIu64
            ",\"frames_fec\":%" PRIu64 ",\"frames_plc\":%" PRIu64 ",\"copies_received\":%" PRIu64
            ",\"copies_used\":%" PRIu64 ",\"restarts\":%" PRIu64
            ",\"redundancy_depth\":%d,\"copy_distance\":%d,\"frame_ms\":%.1f,\"jitter_ms\":%.2f,"
            "\"delay_ms\":%.1f,\"target_delay_ms\":%.1f,\"rate_ppm\":%.0f,\"delay_jumps\":%" PRIu64
            ",\"frames_quickened\":%" PRIu64,
            elapsed_s, final ? "true" : "false", s->packets_received, s->packets_lost,
            s->packets_late, s->packets_duplicate, s->packets_invalid, s->packets_foreign,
            s->bytes_received, s->frames_total, s->frames_primary, s->frames_red, s->frames_fec,
            s->frames_plc, s->copies_received, s->copies_used, s->restarts, s->redundancy_depth,
            s->copy_distance, s->frame_samples / 48.0, s->jitter_ms, s->delay_ms,
            s->target_delay_ms, s->rate_ppm, s->delay_jumps, s->frames_quickened);
    if (dev)
        fprintf(out,
                ",\"device_underruns\":%" PRIu64
                ",\"device_delay_ms\":%.2f,\"device_target_ms\":%.2f",
                dev->underruns, dev->ring_delay_ms, dev->ring_target_ms);
    fprintf(out, "}\n");
    fflush(out);
}

static double percent(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

void stats_report_status(FILE *out, const rx_stats *s, const device_report *dev)
{
    uint64_t expected = s->packets_received + s->packets_lost;
    fprintf(out,
            "receiver: loss %4.1f%%  rebuilt %" PRIu64 " (red %" PRIu64 ", fec %" PRIu64
            ")  concealed %" PRIu64 "  late %" PRIu64 "  jitter %.1f ms  delay %.0f ms",
            percent(s->packets_lost, expected), s->frames_red + s->frames_fec, s->frames_red,
            s->frames_fec, s->frames_plc, s->packets_late, s->jitter_ms, s->delay_ms);
    if (dev)
        fprintf(out, "  device buffer %.1f ms  underruns %" PRIu64, dev->ring_delay_ms,
                dev->underruns);
    fprintf(out, "\n");
}

void stats_report_summary(FILE *out, const rx_stats *s)
{
    uint64_t expected = s->packets_received + s->packets_lost;
    uint64_t missing = s->frames_red + s->frames_fec + s->frames_plc;
    fprintf(out,
            "receiver: packets: %" PRIu64 " received, %" PRIu64 " lost (%.1f%%), %" PRIu64
            " late, %" PRIu64 " duplicate, %" PRIu64 " invalid, %" PRIu64 " foreign\n",
            s->packets_received, s->packets_lost, percent(s->packets_lost, expected),
            s->packets_late, s->packets_duplicate, s->packets_invalid, s->packets_foreign);
    fprintf(out,
            "receiver: frames: %" PRIu64 " played: %" PRIu64 " primary, %" PRIu64
            " rebuilt from copies, %" PRIu64 " from in-band FEC, %" PRIu64 " concealed",
            s->frames_total, s->frames_primary, s->frames_red, s->frames_fec, s->frames_plc);
    if (missing)
        fprintf(out, " (%.1f%% of missing frames rebuilt)",
                percent(s->frames_red + s->frames_fec, missing));
    fprintf(out, "\n");
}
