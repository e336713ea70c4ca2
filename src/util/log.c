/* FFmpeg's log routed through semio's: "semio: ffmpeg: ..." lines on stderr, filtered by the
 * level FFmpeg itself keeps (av_log_set_level), so semio holds no state of its own. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libavutil/log.h>

#include "semio/common.h"

/* One FFmpeg message, one line: the rare message FFmpeg sends in pieces becomes several
 * lines rather than needing a record of where each thread's last line ended. */
static void ffmpeg_log(void *avcl, int level, const char *fmt, va_list vl)
{
    if ((level & 0xff) > av_log_get_level())
        return;
    char msg[1024];
    int prefix = 1;
    if (av_log_format_line2(avcl, level & 0xff, fmt, vl, msg, sizeof(msg), &prefix) < 0)
        return;
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    if (n)
        fprintf(stderr, "semio: ffmpeg: %s\n", msg); /* one call: lines of threads do not mix */
}

void semio_log_set_level(SemioLogLevel level)
{
    static const int av_levels[] = { AV_LOG_QUIET, AV_LOG_WARNING, AV_LOG_INFO, AV_LOG_DEBUG };
    av_log_set_level(level >= SEMIO_LOG_QUIET && level <= SEMIO_LOG_DEBUG ? av_levels[level]
                                                                         : AV_LOG_QUIET);
    av_log_set_callback(ffmpeg_log);
}
