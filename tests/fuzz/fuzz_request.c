/*  fuzz_request: libFuzzer target for everything a service does with the
    bytes of one frame before a handler runs: the request decoder, the
    event decoder, the check of the body against the operation's declared
    fields, the field readers, and encoding the error reply.
    No input may crash, leak, read out of bounds or allocate without bound.
*/
#include <stddef.h>
#include <stdint.h>

#include "wsis_fields.h"
#include "wsis_event.h"
#include "wsis_msg.h"
#include "wsis_op_fields.h"
#include "wsis_reply.h"
#include "wsis_request.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  Nested maps and lists of maps, as submission.create declares them.
static const wsis_op_t s_op = {
    "submission.create", NULL, WSIS_ROLE_STAKEHOLDER, WSIS_OP_WRITES,
    "call title? after? n? now? sdgs? image? flag? category? contact?{name email gender} "
    "speakers?[name gender organization?]"
};

static const char *const s_categories [] = { "C1", "C2", "e-gov", NULL };

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    wsis_request_t request;
    wsis_error_t error;
    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    if (wsis_request_decode (&request, data, size, &wsis_msg_default_limits, &error) == 0) {
        //  Read fields of every type from whatever body came in, as
        //  handlers do.
        wsis_reply_t reply;
        wsis_reply_init (&reply);
        wsis_error_t undeclared;
        if (wsis_op_fields_check (&s_op, request.body, &undeclared))
            wsis_reply_fail (&reply, undeclared.code, undeclared.field, "%s", undeclared.message);
        wsis_fields_t body = wsis_fields (&reply, request.body, NULL);
        wsis_fields_t nested;
        uint64_t number;
        int64_t signed_number;
        const char *text;
        size_t len;
        char buffer [64];
        const msgpack_object_array *array;
        const void *bin;
        bool flag;
        size_t index;
        wsis_fields_choice (&body, "category", WSIS_OPTIONAL, s_categories, SIZE_MAX, &index);
        wsis_fields_uint (&body, "after", WSIS_OPTIONAL, 0, UINT64_MAX, &number);
        wsis_fields_int (&body, "n", WSIS_OPTIONAL, -5, 5, &signed_number);
        wsis_fields_str (&body, "title", WSIS_REQUIRED, 1, 200, &text, &len);
        wsis_fields_text (&body, "now", WSIS_OPTIONAL, 1, 40, buffer, sizeof buffer);
        wsis_fields_array (&body, "sdgs", WSIS_OPTIONAL, 1, 17, &array);
        wsis_fields_bin (&body, "image", WSIS_OPTIONAL, 1024, &bin, &len);
        wsis_fields_bool (&body, "flag", WSIS_OPTIONAL, &flag);
        if (wsis_fields_map (&body, "contact", WSIS_OPTIONAL, &nested) == 0)
            wsis_fields_text (&nested, "email", WSIS_REQUIRED, 3, 60, buffer, sizeof buffer);
        wsis_reply_encode (&out, request.id, &reply);
        wsis_reply_release (&reply);
    }
    else
        wsis_reply_encode_error (&out, request.id, &error);
    wsis_request_release (&request);

    wsis_event_t event;
    wsis_event_decode (&event, data, size, &error);
    wsis_event_release (&event);
    msgpack_sbuffer_destroy (&out);
    return 0;
}
