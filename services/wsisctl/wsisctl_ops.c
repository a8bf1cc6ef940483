/*  wsisctl_ops: what a service offers, for people (SERVICE --help).

    The service itself says it: sys.ops lists every operation with the
    roles that may call it and its body fields, from the same tables the
    service dispatches and checks requests with. So this help cannot fall
    behind the code the way a hand-written list would. One line per
    operation:

        stakeholder.register  public, gateway, operator  {name email type country region gender? organization?}
*/
#include "wsisctl.h"

#include <string.h>

//  The common steps of an edition, the operation each is, and who may
//  call it, as the operation tables say (sys.ops; tests/integration/
//  test_11_errors.py checks each line against them). In role order.
static const char *const s_steps [] = {
    "register a stakeholder    submissions stakeholder.register    public, operator, gateway",
    "submit a project          submissions submission.create       stakeholder, operator, gateway",
    "review a project          nominations review.decide           staff",
    "publish the nominees      nominations nominations.publish     staff",
    "vote                      voting vote.cast                    stakeholder, gateway",
    "close the vote            voting voting.close                 staff, operator",
    "register an expert        nominations expert.register         staff",
    "score a champion          nominations selection.score         expert",
    "select a winner           nominations selection.finalize      staff",
    "select photo winners      nominations photo.winners.select    staff",
    "nominate an HLTF          nominations hltf.nominate           public, stakeholder, gateway",
    "nominate a trendsetter    nominations ambassador.nominate     public, stakeholder, gateway",
    "read a report             reporting report.summary            public",
    "export a dataset          reporting report.export             staff, operator",
    "list reminders            notifications notify.schedule       staff, operator",
    "publish an outside event  bus publish                         operator, publisher",
    NULL
};

void
wsisctl_ops_usage (FILE *out)
{
    fprintf (out,
        "roles: who may do each common step (--role ROLE; \"public\" means anyone; a\n"
        "stakeholder and an expert act only for themselves, a gateway or an operator for\n"
        "anyone). wsisctl SERVICE --help lists every operation of a service:\n");
    for (const char *const *step = s_steps; *step; step++)
        fprintf (out, "  %s\n", *step);
}

//  -------------------------------------------------------------------------
//  Rendering sys.ops

static void
s_append (char *buffer, size_t size, const char *format, ...) __attribute__ ((format (printf, 3, 4)));

static void
s_append (char *buffer, size_t size, const char *format, ...)
{
    size_t used = strlen (buffer);
    if (used + 1 >= size)
        return;
    va_list args;
    va_start (args, format);
    vsnprintf (buffer + used, size - used, format, args);
    va_end (args);
}

//  [{name, required, fields?, array?}] as the declaration was written:
//  "name email? contact{name email}".
static void
s_render_fields (const msgpack_object *fields, char *buffer, size_t size)
{
    if (!fields || fields->type != MSGPACK_OBJECT_ARRAY)
        return;
    for (uint32_t i = 0; i < fields->via.array.size; i++) {
        const msgpack_object *field = &fields->via.array.ptr [i];
        const msgpack_object *name = wsis_msg_get (field, "name");
        if (!name || name->type != MSGPACK_OBJECT_STR)
            continue;
        const msgpack_object *required = wsis_msg_get (field, "required");
        const msgpack_object *nested = wsis_msg_get (field, "fields");
        const msgpack_object *array = wsis_msg_get (field, "array");
        bool optional = required && required->type == MSGPACK_OBJECT_BOOLEAN
                     && !required->via.boolean;
        bool is_array = wsis_msg_true (array);
        s_append (buffer, size, "%s%.*s%s", i? " ": "", (int) name->via.str.size,
                  name->via.str.ptr, optional? "?": "");
        if (nested) {
            s_append (buffer, size, "%s", is_array? "[": "{");
            s_render_fields (nested, buffer, size);
            s_append (buffer, size, "%s", is_array? "]": "}");
        }
    }
}

static void
s_render_roles (const msgpack_object *roles, char *buffer, size_t size)
{
    if (!roles || roles->type != MSGPACK_OBJECT_ARRAY)
        return;
    for (uint32_t i = 0; i < roles->via.array.size; i++) {
        const msgpack_object *role = &roles->via.array.ptr [i];
        if (role->type == MSGPACK_OBJECT_STR)
            s_append (buffer, size, "%s%.*s", i? ", ": "", (int) role->via.str.size,
                      role->via.str.ptr);
    }
}

//  The op name of an entry, or NULL.
static const msgpack_object *
s_op_name (const msgpack_object *entry)
{
    const msgpack_object *name = wsis_msg_get (entry, "op");
    return name && name->type == MSGPACK_OBJECT_STR? name: NULL;
}

static int
s_print (const char *service, const msgpack_object *ops)
{
    //  Columns as wide as their widest entry, so the lines read as a table.
    int op_width = 0, roles_width = 0;
    for (uint32_t i = 0; i < ops->via.array.size; i++) {
        const msgpack_object *entry = &ops->via.array.ptr [i];
        const msgpack_object *name = s_op_name (entry);
        char roles [256] = "";
        s_render_roles (wsis_msg_get (entry, "roles"), roles, sizeof roles);
        if (name && (int) name->via.str.size > op_width)
            op_width = (int) name->via.str.size;
        if ((int) strlen (roles) > roles_width)
            roles_width = (int) strlen (roles);
    }
    printf ("%s: %u operations; the roles that may call each (\"public\": anyone), then its\n"
            "body fields (\"?\": optional; name{...}: a map, name[...]: a list of maps)\n",
            service, ops->via.array.size);
    for (uint32_t i = 0; i < ops->via.array.size; i++) {
        const msgpack_object *entry = &ops->via.array.ptr [i];
        const msgpack_object *name = s_op_name (entry);
        if (!name)
            continue;
        char roles [256] = "", fields [2048] = "";
        s_render_roles (wsis_msg_get (entry, "roles"), roles, sizeof roles);
        s_render_fields (wsis_msg_get (entry, "fields"), fields, sizeof fields);
        printf ("  %-*.*s  %-*s  {%s}\n", op_width, (int) name->via.str.size, name->via.str.ptr,
                roles_width, roles, fields);
    }
    return fflush (stdout) == 0? WSISCTL_EXIT_OK: WSISCTL_EXIT_FAILED;
}

int
wsisctl_ops (const wsisctl_options_t *options, const char *service)
{
    json_t *body = json_object ();
    wsisctl_call_t *call = wsisctl_ask (options, service, "sys.ops", body);
    json_decref (body);
    if (!call)
        return WSISCTL_EXIT_FAILED;
    int exit_code;
    const msgpack_object *reply = wsisctl_call_reply (call);
    const msgpack_object *answer = wsis_msg_get (reply, "body");
    const msgpack_object *ops = answer? wsis_msg_get (answer, "ops"): NULL;
    if (!wsisctl_call_ok (call)) {
        //  A service that does not offer sys.ops: its refusal, as any reply.
        wsisctl_json_print_msgpack (reply, options->compact);
        exit_code = WSISCTL_EXIT_REFUSED;
    }
    else
    if (!ops || ops->type != MSGPACK_OBJECT_ARRAY) {
        fprintf (stderr, "wsisctl: %s answered sys.ops without a list of ops\n", service);
        exit_code = WSISCTL_EXIT_FAILED;
    }
    else
        exit_code = s_print (service, ops);
    wsisctl_call_destroy (&call);
    return exit_code;
}
