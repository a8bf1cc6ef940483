/*  fuzz_wsisctl_json: the JSON body an operator types, as wsisctl turns it
    into a request (wsisctl_request_encode, through wsis_json_pack), then
    as the service decodes that request (wsis_request_decode), then the
    body back into JSON the way wsisctl prints replies
    (wsis_json_from_msgpack).

    What wsisctl packs must decode, and a body with no {"$base64"} or
    {"$ext"} object in it (those are canonicalised) and no real must come
    back equal: JSON -> msgpack -> JSON loses nothing.
*/
#include "fuzz_text.h"
#include "wsisctl.h"
#include "wsis_request.h"

//  True when value holds a real or a "$"-key object anywhere: their
//  round trip is allowed to change the text.
static bool
s_not_canonical (const json_t *value)
{
    if (json_is_real (value))
        return true;
    size_t index;
    const char *key;
    json_t *item;
    if (json_is_array (value))
        json_array_foreach (value, index, item)
            if (s_not_canonical (item))
                return true;
    if (json_is_object (value))
        json_object_foreach ((json_t *) value, key, item)
            if (*key == '$' || s_not_canonical (item))
                return true;
    return false;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *text = fuzz_text (data, size);
    json_error_t json_error;
    json_t *body = json_loads (text, WSISCTL_JSON_FLAGS, &json_error);
    free (text);
    if (!body || !json_is_object (body)) {
        json_decref (body);
        return 0;
    }
    wsisctl_options_t options = {
        .role = "operator", .actor_id = "fuzz", .request_id = "fuzz-1"
    };
    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    const char *error = NULL;
    if (wsisctl_request_encode (&out, &options, "submission.create", body, &error) == 0) {
        wsis_request_t request;
        wsis_error_t refused;
        //  Too deep for a service (16 levels) is the one refusal allowed
        if (wsis_request_decode (&request, out.data, out.size, &wsis_msg_default_limits, &refused) == 0) {
            json_t *back = wsis_json_from_msgpack (request.body);
            if (!back || (!s_not_canonical (body) && !json_equal (body, back)))
                abort ();
            json_decref (back);
        }
        else
        if (!strstr (refused.message, "deep"))
            abort ();
        wsis_request_release (&request);
    }
    else
    if (!error)
        abort ();
    msgpack_sbuffer_destroy (&out);
    json_decref (body);
    return 0;
}
