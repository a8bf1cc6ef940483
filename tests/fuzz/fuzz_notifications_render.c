/*  fuzz_notifications_render: what wsis-notifications makes of the values
    events bring (a msgpack map, as a frame decodes it): every template
    kind rendered with them (configs/templates), then the RFC 5322 message
    with a name, an address, a key and an unsubscribe token taken from
    them too.

    The message's promise is checked: no input adds a header. The message
    has as many header fields as the same message with plain values.
*/
#include "fuzz_text.h"
#include "notifications.h"
#include "wsis_msg.h"

static notify_templates_t *s_templates;

//  A str value of vars copied into buffer, or NULL when there is none.
static const char *
s_var (const msgpack_object *vars, const char *key, char *buffer, size_t size)
{
    return wsis_msg_copy_str (wsis_msg_get (vars, key), buffer, 0, size - 1) == 0? buffer: NULL;
}

//  Header fields of a message: the lines before the first empty one that
//  do not continue the field before them.
static size_t
s_fields (zchunk_t *message)
{
    const char *text = (const char *) zchunk_data (message);
    const char *end = strstr (text, "\r\n\r\n");
    if (!end)
        abort ();               //  a message always has a body
    size_t fields = 1;
    for (const char *line = strstr (text, "\r\n"); line && line < end; line = strstr (line + 2, "\r\n"))
        if (line [2] != ' ' && line [2] != '\t')
            fields++;
    return fields;
}

//  A plain value where text has one: NULL for NULL, "" for "".
static const char *
s_plain (const char *text, const char *plain)
{
    return text && *text? plain: text;
}

static zchunk_t *
s_message (notify_mail_t *mail)
{
    zchunk_t *message = notify_message_build (mail);
    //  NUL-terminated, for strstr
    zchunk_extend (message, "", 1);
    return message;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *error = NULL;
    if (!s_templates)
        s_templates = fuzz_text_needs (notify_templates_load ("configs/templates", &error),
                                       "configs/templates", error);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    wsis_error_t refused;
    if (wsis_msg_unpack (&unpacked, data, size, &wsis_msg_default_limits, &refused) == 0
    &&  unpacked.data.type == MSGPACK_OBJECT_MAP) {
        const msgpack_object *vars = &unpacked.data;
        char name [256], email [256], key [256], token [256];
        for (const char *const *kind = notify_template_kinds; *kind; kind++) {
            char *subject, *body;
            if (notify_templates_render (s_templates, *kind, vars, &subject, &body))
                abort ();       //  every listed kind renders
            notify_mail_t mail = {
                .from = "WSIS Forum <noreply@wsis.example.org>",
                .to_name = s_var (vars, "name", name, sizeof name),
                .to_email = s_var (vars, "email", email, sizeof email),
                .subject = subject, .body = body,
                .key = s_var (vars, "key", key, sizeof key),
                .date = 0,
                .unsubscribe_token = s_var (vars, "token", token, sizeof token),
                .unsubscribe_mailto = "unsubscribe@wsis.example.org",
                .unsubscribe_url = "https://wsis.example.org/unsubscribe?token="
            };
            if (!mail.to_email)
                mail.to_email = "someone@example.org";
            if (!mail.key)
                mail.key = "prizes-2022/voting/reminder/7d";
            zchunk_t *message = s_message (&mail);
            //  The same fields present, and empty where they are (an empty
            //  token has no List-Unsubscribe, as none)
            notify_mail_t plain = mail;
            plain.to_name = s_plain (mail.to_name, "Someone");
            plain.to_email = s_plain (mail.to_email, "someone@example.org");
            plain.subject = "Subject";
            plain.body = "Body\n";
            plain.key = s_plain (mail.key, "key");
            plain.unsubscribe_token = s_plain (mail.unsubscribe_token, "token");
            zchunk_t *expected = s_message (&plain);
            if (s_fields (message) != s_fields (expected))
                abort ();
            zchunk_destroy (&message);
            zchunk_destroy (&expected);
            free (subject);
            free (body);
        }
    }
    msgpack_unpacked_destroy (&unpacked);
    return 0;
}
