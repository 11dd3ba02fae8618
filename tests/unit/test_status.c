/* common/status: one number space for every module's codes, the class and
 * module read back from any code, texts, and the exit-status mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/status.h"
#include "proto/opus_toc.h"
#include "proto/red.h"
#include "proto/rtp.h"
#include "proto/rtsp.h"
#include "proto/sdp.h"

static void test_generic_codes(void **state)
{
    (void)state;
    const int generic[] = {AL_OK,
                           AL_ERR_ARG,
                           AL_ERR_BUFFER,
                           AL_ERR_TRUNCATED,
                           AL_ERR_MALFORMED,
                           AL_ERR_TOO_LARGE,
                           AL_ERR_UNSUPPORTED,
                           AL_ERR_REFUSED,
                           AL_ERR_BUSY,
                           AL_ERR_NO_PEER};
    const char *unknown = al_strerror(-99);
    for (size_t i = 0; i < sizeof generic / sizeof generic[0]; i++) {
        assert_int_equal(al_status_class(generic[i]), generic[i]);
        assert_int_equal(al_status_module(generic[i]), 0);
        assert_string_not_equal(al_strerror(generic[i]), unknown);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(al_strerror(generic[i]), al_strerror(generic[j]));
    }
    /* -1 is an invalid argument whichever module says it. */
    assert_int_equal(RTP_ERR_ARG, AL_ERR_ARG);
    assert_int_equal(RED_ERR_ARG, AL_ERR_ARG);
    assert_int_equal(SDP_ERR_ARG, AL_ERR_ARG);
    assert_int_equal(RTSP_ERR_ARG, AL_ERR_ARG);
    assert_int_equal(RTP_ERR_BUFFER, AL_ERR_BUFFER);
    assert_int_equal(RTSP_ERR_BUFFER, AL_ERR_BUFFER);
    /* Need-more is a result, not an error. */
    assert_true(AL_NEED_MORE > 0);
    assert_int_equal(RTSP_NEED_MORE, AL_NEED_MORE);
    assert_int_equal(al_status_class(AL_NEED_MORE), AL_OK);
}

static void test_detail_codes(void **state)
{
    (void)state;
    assert_int_equal(AL_STATUS_DETAIL(AL_MODULE_RTP, AL_ERR_TRUNCATED, 2), -10302);
    struct {
        int code, module, class;
    } cases[] = {
        {RTP_ERR_TOO_SHORT, AL_MODULE_RTP, AL_ERR_TRUNCATED},
        {RTP_ERR_CSRC_TRUNCATED, AL_MODULE_RTP, AL_ERR_TRUNCATED},
        {RTP_ERR_PADDING, AL_MODULE_RTP, AL_ERR_MALFORMED},
        {RTP_ERR_VERSION, AL_MODULE_RTP, AL_ERR_UNSUPPORTED},
        {RED_ERR_BLOCK_TRUNCATED, AL_MODULE_RED, AL_ERR_TRUNCATED},
        {RED_ERR_TOO_MANY_BLOCKS, AL_MODULE_RED, AL_ERR_TOO_LARGE},
        {SDP_ERR_MEDIA, AL_MODULE_SDP, AL_ERR_MALFORMED},
        {SDP_ERR_CODEC, AL_MODULE_SDP, AL_ERR_UNSUPPORTED},
        {RTSP_ERR_URI_TOO_LONG, AL_MODULE_RTSP, AL_ERR_TOO_LARGE},
        {RTSP_ERR_HEADER, AL_MODULE_RTSP, AL_ERR_MALFORMED},
        {RTSP_ERR_VERSION, AL_MODULE_RTSP, AL_ERR_UNSUPPORTED},
        {OPUS_TOC_ERR_EMPTY, AL_MODULE_OPUS_TOC, AL_ERR_TRUNCATED},
        {OPUS_TOC_ERR_MALFORMED, AL_MODULE_OPUS_TOC, AL_ERR_MALFORMED},
        {OPUS_TOC_ERR_TOO_LONG, AL_MODULE_OPUS_TOC, AL_ERR_TOO_LARGE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_true(cases[i].code < 0);
        assert_int_equal(al_status_module(cases[i].code), cases[i].module);
        assert_int_equal(al_status_class(cases[i].code), cases[i].class);
        /* The generic text of a detail is its class's. */
        assert_string_equal(al_strerror(cases[i].code), al_strerror(cases[i].class));
        /* Codes are unique across modules. */
        for (size_t j = 0; j < i; j++)
            assert_int_not_equal(cases[i].code, cases[j].code);
    }
    /* A module's strerror names its details and falls back for the rest. */
    assert_string_equal(rtp_strerror(AL_ERR_ARG), al_strerror(AL_ERR_ARG));
    assert_string_equal(red_strerror(AL_ERR_BUFFER), al_strerror(AL_ERR_BUFFER));
    assert_string_equal(sdp_strerror(RTP_ERR_PADDING), al_strerror(AL_ERR_MALFORMED));
    assert_string_not_equal(rtp_strerror(RTP_ERR_PADDING), al_strerror(AL_ERR_MALFORMED));
    assert_string_not_equal(opus_toc_strerror(OPUS_TOC_ERR_TOO_LONG),
                            al_strerror(AL_ERR_TOO_LARGE));
}

static void test_exit_status(void **state)
{
    (void)state;
    assert_int_equal(al_exit_status(AL_OK), 0);
    assert_int_equal(al_exit_status(42), 0); /* a count is a success */
    assert_int_equal(al_exit_status(AL_ERR_BUSY), 1);
    assert_int_equal(al_exit_status(AL_ERR_REFUSED), 1);
    assert_int_equal(al_exit_status(RTSP_ERR_URL), 1);
    assert_string_equal(al_strerror(7), al_strerror(12345)); /* not a status */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generic_codes),
        cmocka_unit_test(test_detail_codes),
        cmocka_unit_test(test_exit_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
