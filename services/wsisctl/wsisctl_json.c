/*  wsisctl_json: the JSON people type and the JSON they read.

    Every request body and every event body is a map (docs/protocol.md sections 2, 3),
    so a body must be one JSON object; anything else is refused here with
    the reason, before a service turns it into a less helpful bad_request.
    The msgpack side of the conversion (bin as {"$base64": ...}) lives in
    common/wsis_json.c so reports and wsisctl agree on it.
*/
#include "wsisctl.h"

#include <string.h>

json_t *
wsisctl_json_read (const char *source)
{
    if (!source)
        return json_object ();

    //  Duplicate keys would silently keep the later value; in a body
    //  typed by hand that is a typo the author wants to hear about.
    size_t flags = WSISCTL_JSON_FLAGS;
    json_error_t error;
    json_t *value;
    const char *origin;
    if (streq (source, "-")) {
        value = json_loadf (stdin, flags, &error);
        origin = "stdin";
    }
    else
    if (*source == '@') {
        value = json_load_file (source + 1, flags, &error);
        origin = source + 1;
    }
    else {
        value = json_loads (source, flags, &error);
        origin = "the argument";
    }
    if (!value) {
        //  jansson has no position for a file it could not open
        if (error.line < 0)
            fprintf (stderr, "wsisctl: %s\n", error.text);
        else
            fprintf (stderr, "wsisctl: bad JSON in %s at line %d, column %d: %s\n",
                     origin, error.line, error.column, error.text);
        return NULL;
    }
    if (!json_is_object (value)) {
        fprintf (stderr, "wsisctl: the body in %s must be a JSON object {...}\n", origin);
        json_decref (value);
        return NULL;
    }
    return value;
}

int
wsisctl_json_print (const json_t *value, bool compact)
{
    size_t flags = JSON_ENCODE_ANY | (compact? JSON_COMPACT: JSON_INDENT (2));
    if (json_dumpf (value, stdout, flags)
    ||  fputc ('\n', stdout) == EOF
    ||  fflush (stdout))
        return -1;
    return 0;
}

int
wsisctl_json_print_msgpack (const msgpack_object *object, bool compact)
{
    json_t *value = wsis_json_from_msgpack (object);
    if (!value)
        return -1;
    int rc = wsisctl_json_print (value, compact);
    json_decref (value);
    return rc;
}
