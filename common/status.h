/* The one status convention of every layer (proto/, net/, sender/, receiver/).
 *
 * A function that can fail returns an int:
 *   - AL_OK (0): it did what it says;
 *   - > 0: only where its header says so, a count (bytes written, samples,
 *     a slot number) or one of its documented results (rtsp_parser_feed():
 *     RTSP_NEED_MORE, RTSP_MESSAGE, RTSP_INTERLEAVED). A result that is not
 *     a failure is never negative;
 *   - < 0: a status code from the table below, which means the same in
 *     every module: -1 is AL_ERR_ARG whoever returns it.
 * A question is answered with a bool, never with 1/0/-1; a lookup that may
 * find nothing returns NULL (or the module's documented "none" value, such
 * as SDP_NO_PT, which is a value and not a status). A library never returns
 * a process exit status: the program maps a status with al_exit_status().
 *
 * Codes come in two kinds:
 *   - the generic classes, -1 .. -99, below. A function returns one of them
 *     when that is all there is to say (AL_ERR_ARG, AL_ERR_BUFFER);
 *   - module details, which say which field or limit it was (the RTSP
 *     parser needs "start line too long" to answer 414, a test needs
 *     "CSRC list truncated"). A detail is built by AL_STATUS_DETAIL() from
 *     its module's block, its class and a number, so every code is unique
 *     in the whole program and al_status_class() recovers the class from
 *     any of them: a caller that only cares whether input was truncated or
 *     malformed asks for the class and needs no module's table.
 *
 * Truncated is not malformed, and neither is "need more": a datagram or a
 * header value that ends inside an item is AL_ERR_TRUNCATED (more bytes will
 * never come), input that breaks the syntax is AL_ERR_MALFORMED, and a byte
 * stream whose bytes so far end inside a message is not an error at all
 * (AL_NEED_MORE, positive: feed more).
 *
 * Module strerror functions (rtp_strerror(), ...) name their details and
 * fall back to al_strerror() for the generic codes. */
#ifndef AL_COMMON_STATUS_H
#define AL_COMMON_STATUS_H

/** The result "every byte consumed, nothing complete yet" of a stream
 *  parser: positive, because it is not a failure. */
#define AL_NEED_MORE 1

/** Status codes: AL_OK and the generic classes. */
enum al_status {
    AL_OK = 0,
    AL_ERR_ARG = -1,         /**< invalid argument (NULL, out of range): a bug in the caller,
                                  never the peer's doing */
    AL_ERR_BUFFER = -2,      /**< the caller's output buffer is too small */
    AL_ERR_TRUNCATED = -3,   /**< the input (a whole datagram or value) ends inside an item */
    AL_ERR_MALFORMED = -4,   /**< the input breaks the format's syntax */
    AL_ERR_TOO_LARGE = -5,   /**< the input exceeds a limit of the format or of ours */
    AL_ERR_UNSUPPORTED = -6, /**< well-formed, but not something we take (a version, a profile,
                                  a codec) */
    AL_ERR_REFUSED = -7,     /**< the peer refused (an RTSP 4xx) */
    AL_ERR_BUSY = -8,        /**< no room: the peer is busy (RTSP 453) or every slot is taken */
    AL_ERR_NO_PEER = -9,     /**< the work ended while no peer was taking it */
};

/** Module blocks for details: each module owns one. */
enum al_status_module {
    AL_MODULE_RTP = 1,
    AL_MODULE_RED = 2,
    AL_MODULE_SDP = 3,
    AL_MODULE_RTSP = 4,
    AL_MODULE_OPUS_TOC = 5,
    AL_MODULE_RTCP = 6,
};

/** The detail code N (0..99) of MODULE (enum al_status_module) in CLASS (a
 *  generic AL_ERR_*): -(MODULE * 10000 + -CLASS * 100 + N), so that
 *  RTP's "CSRC list truncated" reads -10301 = RTP, TRUNCATED, 1. */
#define AL_STATUS_DETAIL(module, class, n) (-((module)*10000 + -(class) * 100 + (n)))

/** The generic class of STATUS: AL_OK for any STATUS >= 0, STATUS itself
 *  for a generic code, the class a detail was built in otherwise. */
int al_status_class(int status);

/** The module block of STATUS (enum al_status_module), 0 for AL_OK, a
 *  positive result and the generic codes. */
int al_status_module(int status);

/** A static description of STATUS for a generic code ("invalid argument");
 *  for a detail, the description of its class. Never NULL. */
const char *al_strerror(int status);

/** The exit status a program reports for STATUS: 0 when STATUS >= 0, 1
 *  otherwise. The one place where statuses become exit codes. */
int al_exit_status(int status);

#endif
