/* Fuzzes the reading of an OpenAI-compatible server's reply body as the engine reads it
 * (engine/reply.c: choices[0].message.content, logprobs -> P(yes), usage). */
#include <stdlib.h>

#include "engine/reply.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = fuzz_string(data, size);
    if (!body)
        return 0;
    for (int allow_na = 0; allow_na <= 1; allow_na++) {
        SemioChatReply reply;
        char error[256];
        semio_chat_reply_read(body, allow_na, &reply, error, sizeof(error));
        semio_parsed_answer_free(&reply.answer);
        free(reply.content);
    }
    free(body);
    return 0;
}
