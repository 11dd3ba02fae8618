/* Unit tests for proto/text's escaping of peer text, and for the places
 * that print or echo a peer's words: an SDP encoding name or transport with
 * terminal control sequences comes out of sdp_select_opus's reason escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "proto/sdp.h"
#include "proto/text.h"

/* No byte outside printable ASCII. */
static void assert_printable(const char *s)
{
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            fail_msg("byte 0x%02x at %d in \"%s\"", (unsigned char)*p, (int)(p - s), s);
}

static void test_escape(void **state)
{
    (void)state;
    char out[64];
    assert_string_equal(text_escape(out, sizeof out, "opus", 4), "opus");
    const char evil[] = "a\x1b[2Jb\r\n\x7f\xff\\c";
    assert_string_equal(text_escape(out, sizeof out, evil, sizeof evil - 1),
                        "a\\x1b[2Jb\\x0d\\x0a\\x7f\\xff\\x5cc");
    assert_printable(out);
    /* N bounds the input, a NUL ends it early */
    assert_string_equal(text_escape(out, sizeof out, "abcdef", 3), "abc");
    assert_string_equal(text_escape(out, sizeof out, "ab\0cd", 5), "ab");
    /* a full buffer cuts before an escape, never through one */
    char small[6];
    assert_string_equal(text_escape(small, sizeof small, "ab\x1b", 3), "ab");
    assert_string_equal(text_escape(small, sizeof small, "a\x1b", 2), "a\\x1b");
    assert_string_equal(text_escape(small, sizeof small, "abcdefgh", 8), "abcde");
    assert_string_equal(text_escape(small, 1, "abc", 3), "");
    assert_null(text_escape(NULL, 4, "abc", 3));
    assert_string_equal(text_escape(out, sizeof out, NULL, 3), "");
    /* the worst case fits TEXT_ESCAPED_SIZE */
    char worst[TEXT_ESCAPED_SIZE(8)];
    assert_int_equal(
        strlen(text_escape(worst, sizeof worst, "\x01\x02\x03\x04\x05\x06\x07\x08", 8)), 32);
}

static void select_reason(const char *sdp, char *why, size_t cap)
{
    sdp_desc d;
    assert_int_equal(sdp_parse(sdp, strlen(sdp), &d), SDP_OK);
    sdp_opus_stream st;
    assert_int_not_equal(sdp_select_opus(&d, &st, why, cap), SDP_OK);
    print_message("reason: %s\n", why);
    assert_printable(why);
}

static void test_sdp_reason_escaped(void **state)
{
    (void)state;
    char why[200];
    select_reason("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                  "m=audio 5004 RTP/AVP 96\r\na=rtpmap:96 \x1b]0;owned\x07\x1b[31m/48000/2\r\n",
                  why, sizeof why);
    assert_non_null(strstr(why, "\\x1b]0;owned\\x07\\x1b[31m/48000/2"));
    select_reason("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                  "m=audio 5004 RTP/\x1b[2J 111\r\na=rtpmap:111 opus/48000/2\r\n",
                  why, sizeof why);
    assert_non_null(strstr(why, "RTP/\\x1b[2J"));
}

/* The output builder shared by the RTSP and SDP writers. */
static void test_out_builder(void **state)
{
    (void)state;
    char buf[32];
    text_out o = {buf, sizeof buf, 0, false};
    text_put_str(&o, "CSeq: ");
    text_put_ulong(&o, 4294967295ul);
    text_put_mem(&o, "!", 1);
    assert_int_equal(text_out_finish(&o), 17);
    assert_string_equal(buf, "CSeq: 4294967295!");
    /* Exactly full leaves room for the NUL; one byte more overflows, and
     * nothing is written after an overflow. */
    char small[4];
    text_out a = {small, sizeof small, 0, false};
    text_put_fmt(&a, "%d", 123);
    assert_int_equal(text_out_finish(&a), 3);
    assert_string_equal(small, "123");
    text_out b = {small, sizeof small, 0, false};
    text_put_str(&b, "12");
    text_put_fmt(&b, "%s", "34");
    text_put_str(&b, "5");
    assert_true(b.overflow);
    assert_int_equal(b.len, 2);
    assert_int_equal(text_out_finish(&b), AL_ERR_BUFFER);
}

static void test_is_word(void **state)
{
    (void)state;
    assert_true(text_is_word("rtsp://h:1/x?y", ""));
    assert_true(text_is_word("", ""));
    assert_false(text_is_word("a b", ""));
    assert_false(text_is_word("a\tb", ""));
    assert_false(text_is_word("a\x7f", ""));
    assert_true(text_is_word("\xc3\xa9", "")); /* UTF-8 passes */
    assert_true(text_is_word("10.0.0.1", ";,"));
    assert_false(text_is_word("10.0.0.1;x", ";,"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_sdp_reason_escaped),
        cmocka_unit_test(test_out_builder),
        cmocka_unit_test(test_is_word),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
