/* mkclip OUT FRAMES WIDTH HEIGHT: an index-coded test recording for the shell tests (H.264
 * and AAC; raw pictures alone where OUT ends in .y4m, which holds nothing else). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/log.h>

#include "testvideo.h"

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: mkclip OUT FRAMES WIDTH HEIGHT\n");
        return 2;
    }
    av_log_set_level(AV_LOG_QUIET);
    SemioWriterSettings s;
    semio_writer_default_settings(&s);
    s.width = atoi(argv[3]);
    s.height = atoi(argv[4]);
    s.gop = 30;
    s.bframes = 2;
    s.preset = "ultrafast";
    s.audio_rate = 16000;
    size_t n = strlen(argv[1]);
    if (n > 4 && !strcmp(argv[1] + n - 4, ".y4m")) {
        s.video_codec = "wrapped_avframe";
        s.audio_rate = 0;
    }
    return testvideo_make(argv[1], &s, atoll(argv[2])) ? 1 : 0;
}
