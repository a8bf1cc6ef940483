/*  test_wsis_op_fields: declared body fields, the check that refuses the
    others, the suggestion of the field meant, and the sys.ops listing.

    The check runs on every request of every service before its handler,
    so a wrong "unknown" refuses good requests everywhere and a wrong
    "known" lets a typo be dropped without a word. The tests walk nested
    maps and lists of maps, keys that are no declared name at all (long,
    non-ASCII, cut in a message), and declarations that are malformed.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"
#include "wsis_msg.h"
#include "wsis_op_fields.h"
#include "wsis_pack.h"
#include "wsis_valid.h"

static int
s_handler (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    return 0;
}

static const wsis_op_t s_register = {
    "stakeholder.register", s_handler, WSIS_ROLE_PUBLIC | WSIS_ROLE_GATEWAY | WSIS_ROLE_OPERATOR,
    WSIS_OP_WRITES, "name email type country region gender? organization?"
};

static const wsis_op_t s_create = {
    "submission.create", s_handler, WSIS_ROLE_STAKEHOLDER, WSIS_OP_WRITES,
    "call stakeholder_id contact?{name email gender} speakers?[name gender organization?] links?"
};

static const wsis_op_t s_ping = { "sys.ping", s_handler, WSIS_ROLE_PUBLIC, 0, NULL };

//  A body built by the test, unpacked as a request's would be.
typedef struct {
    msgpack_sbuffer buffer;
    msgpack_packer pk;
    msgpack_unpacked unpacked;
} body_t;

static void
s_body_begin (body_t *body)
{
    msgpack_sbuffer_init (&body->buffer);
    msgpack_packer_init (&body->pk, &body->buffer, msgpack_sbuffer_write);
    msgpack_unpacked_init (&body->unpacked);
}

static const msgpack_object *
s_body_end (body_t *body)
{
    size_t offset = 0;
    assert_int_equal (msgpack_unpack_next (&body->unpacked, body->buffer.data, body->buffer.size,
                                           &offset), MSGPACK_UNPACK_SUCCESS);
    return &body->unpacked.data;
}

static void
s_body_destroy (body_t *body)
{
    msgpack_unpacked_destroy (&body->unpacked);
    msgpack_sbuffer_destroy (&body->buffer);
}

//  A body of one key (with a str value) checked against op: the message
//  or NULL when accepted. The error stays in *error.
static const char *
s_check_key (const wsis_op_t *op, const char *key, size_t len, wsis_error_t *error)
{
    body_t body;
    s_body_begin (&body);
    msgpack_pack_map (&body.pk, 1);
    wsis_pack_strn (&body.pk, key, len);
    wsis_pack_str (&body.pk, "x");
    int rc = wsis_op_fields_check (op, s_body_end (&body), error);
    s_body_destroy (&body);
    if (rc == 0)
        return NULL;
    assert_int_equal (rc, -1);
    assert_string_equal (error->code, "validation");
    return error->message;
}

//  --------------------------------------------------------------------------

static void
test_declarations (void **state)
{
    const char *good [] = {
        NULL, "", "a", "a b? c", "  a  b  ", "contact{name email}", "contact?{name email?}",
        "speakers?[name gender organization?]", "a{b{c d} e[f]} g", "sdg_linkages stakeholder_id"
    };
    for (size_t i = 0; i < sizeof good / sizeof good [0]; i++) {
        if (!wsis_op_fields_valid (good [i]))
            fail_msg ("'%s' should be valid", good [i]);
    }
    const char *bad [] = {
        "a{b", "a{}", "a]", "a[b}", "a{b[c}]", "Name", "a,b", "a??", "?", "a{b}c", "a-b", "{a}",
        "a{b}}"
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        if (wsis_op_fields_valid (bad [i]))
            fail_msg ("'%s' should be refused", bad [i]);
    }
    //  Every field as it is read
    const char *fields = "call contact?{name email} speakers[name]";
    const char *cursor = fields, *end = fields + strlen (fields);
    wsis_op_field_t field;
    assert_true (wsis_op_fields_next (&cursor, end, &field));
    assert_int_equal (field.name_len, 4);
    assert_true (field.required);
    assert_int_equal (field.nested, 0);
    assert_true (wsis_op_fields_next (&cursor, end, &field));
    assert_memory_equal (field.name, "contact", 7);
    assert_false (field.required);
    assert_int_equal (field.nested, '{');
    assert_int_equal (field.fields_len, strlen ("name email"));
    assert_memory_equal (field.fields, "name email", field.fields_len);
    assert_true (wsis_op_fields_next (&cursor, end, &field));
    assert_int_equal (field.nested, '[');
    assert_true (field.required);
    assert_false (wsis_op_fields_next (&cursor, end, &field));
}

static void
test_check_top_level (void **state)
{
    wsis_error_t error;
    //  Declared keys pass, whatever their values (the handler's to judge)
    body_t body;
    s_body_begin (&body);
    msgpack_pack_map (&body.pk, 3);
    wsis_pack_kv_str (&body.pk, "name", "Ada");
    wsis_pack_kv_int (&body.pk, "email", 42);
    wsis_pack_str (&body.pk, "gender");
    msgpack_pack_nil (&body.pk);
    assert_int_equal (wsis_op_fields_check (&s_register, s_body_end (&body), &error), 0);
    s_body_destroy (&body);

    assert_string_equal (s_check_key (&s_register, "organisation", 12, &error),
                         "'organisation' is not a field of stakeholder.register; "
                         "did you mean 'organization'?");
    assert_string_equal (error.field, "organisation");
    assert_string_equal (s_check_key (&s_register, "shoe_size", 9, &error),
                         "'shoe_size' is not a field of stakeholder.register; the fields of "
                         "stakeholder.register are name, email, type, country, region, gender, "
                         "organization");
    //  A prefix of a declared name is not that name
    assert_non_null (s_check_key (&s_register, "nam", 3, &error));
    assert_non_null (s_check_key (&s_register, "names", 5, &error));
    assert_non_null (s_check_key (&s_register, "gender?", 7, &error));
    assert_non_null (s_check_key (&s_register, "", 0, &error));
    assert_string_equal (error.field, "");
    //  An operation that takes nothing
    assert_string_equal (s_check_key (&s_ping, "verbose", 7, &error),
                         "'verbose' is not a field of sys.ping; sys.ping takes no fields");
    //  The empty body, and a body that is no map (the decoder's to refuse)
    s_body_begin (&body);
    msgpack_pack_map (&body.pk, 0);
    assert_int_equal (wsis_op_fields_check (&s_ping, s_body_end (&body), &error), 0);
    s_body_destroy (&body);
    s_body_begin (&body);
    msgpack_pack_array (&body.pk, 1);
    wsis_pack_str (&body.pk, "x");
    assert_int_equal (wsis_op_fields_check (&s_ping, s_body_end (&body), &error), 0);
    s_body_destroy (&body);
    assert_int_equal (wsis_op_fields_check (&s_ping, NULL, &error), 0);
}

//  Checks a body of the given keys (nil values) against op: 0 or -1.
static int
s_check_keys (const wsis_op_t *op, const char *const *keys, size_t count, wsis_error_t *error)
{
    body_t body;
    s_body_begin (&body);
    msgpack_pack_map (&body.pk, count);
    for (size_t i = 0; i < count; i++) {
        wsis_pack_str (&body.pk, keys [i]);
        msgpack_pack_nil (&body.pk);
    }
    int rc = wsis_op_fields_check (op, s_body_end (&body), error);
    s_body_destroy (&body);
    return rc;
}

static void
test_check_any_order (void **state)
{
    //  The search for a key starts after the last one found: keys in the
    //  declared order, in reverse, or mixed are all found, each once, and
    //  an undeclared one is refused wherever it comes.
    wsis_error_t error;
    const char *declared [] = { "name", "email", "type", "country", "region", "gender", "organization" };
    const char *reversed [] = { "organization", "gender", "region", "country", "type", "email", "name" };
    const char *mixed [] = { "region", "name", "organization", "email", "gender", "type", "country" };
    assert_int_equal (s_check_keys (&s_register, declared, 7, &error), 0);
    assert_int_equal (s_check_keys (&s_register, reversed, 7, &error), 0);
    assert_int_equal (s_check_keys (&s_register, mixed, 7, &error), 0);
    const char *late [] = { "organization", "gender", "shoe_size" };
    assert_int_equal (s_check_keys (&s_register, late, 3, &error), -1);
    assert_string_equal (error.field, "shoe_size");
    const char *wrapped [] = { "gender", "organization", "nam" };
    assert_int_equal (s_check_keys (&s_register, wrapped, 3, &error), -1);
    assert_string_equal (error.field, "nam");
    //  Nested declarations too, after a key with fields of its own
    const char *nested [] = { "links", "speakers", "contact", "stakeholder_id", "call" };
    assert_int_equal (s_check_keys (&s_create, nested, 5, &error), 0);
    const char *inner [] = { "links", "gender" };
    assert_int_equal (s_check_keys (&s_create, inner, 2, &error), -1);
    assert_string_equal (error.field, "gender");
}

static void
test_check_nested (void **state)
{
    wsis_error_t error;
    //  contact{...}: its keys are checked with their path
    body_t body;
    s_body_begin (&body);
    msgpack_pack_map (&body.pk, 2);
    wsis_pack_kv_str (&body.pk, "call", "prizes-2022");
    wsis_pack_str (&body.pk, "contact");
    msgpack_pack_map (&body.pk, 2);
    wsis_pack_kv_str (&body.pk, "name", "Ada");
    wsis_pack_kv_str (&body.pk, "emial", "ada@example.org");
    assert_int_equal (wsis_op_fields_check (&s_create, s_body_end (&body), &error), -1);
    assert_string_equal (error.field, "contact.emial");
    assert_string_equal (error.message, "'contact.emial' is not a field of submission.create; "
                                        "did you mean 'contact.email'?");
    s_body_destroy (&body);

    //  speakers[...]: each map of the list, by index; other items skipped
    s_body_begin (&body);
    msgpack_pack_map (&body.pk, 1);
    wsis_pack_str (&body.pk, "speakers");
    msgpack_pack_array (&body.pk, 3);
    msgpack_pack_map (&body.pk, 1);
    wsis_pack_kv_str (&body.pk, "name", "A");
    wsis_pack_str (&body.pk, "not a map");
    msgpack_pack_map (&body.pk, 2);
    wsis_pack_kv_str (&body.pk, "gender", "male");
    wsis_pack_kv_str (&body.pk, "age", "40");
    assert_int_equal (wsis_op_fields_check (&s_create, s_body_end (&body), &error), -1);
    assert_string_equal (error.field, "speakers.2.age");
    assert_string_equal (error.message, "'speakers.2.age' is not a field of submission.create; "
                                        "the fields of speakers.2 are name, gender, organization");
    s_body_destroy (&body);

    //  A nested declaration on a value of another type: the handler says
    //  "must be a map"; a field declared without one takes any map
    s_body_begin (&body);
    msgpack_pack_map (&body.pk, 3);
    wsis_pack_kv_str (&body.pk, "contact", "Ada");
    wsis_pack_str (&body.pk, "speakers");
    msgpack_pack_map (&body.pk, 1);
    wsis_pack_kv_str (&body.pk, "anything", "x");
    wsis_pack_str (&body.pk, "links");
    msgpack_pack_map (&body.pk, 1);
    wsis_pack_kv_str (&body.pk, "anything", "x");
    assert_int_equal (wsis_op_fields_check (&s_create, s_body_end (&body), &error), 0);
    s_body_destroy (&body);
}

static void
test_check_hostile_keys (void **state)
{
    wsis_error_t error;
    //  A megabyte of key: refused, its message and field cut short
    size_t len = 1024 * 1024;
    char *key = (char *) malloc (len);
    assert_non_null (key);
    memset (key, 'k', len);
    assert_non_null (s_check_key (&s_register, key, len, &error));
    assert_true (strlen (error.message) < sizeof error.message - 1);
    assert_true (strlen (error.field) <= 64);
    //  Cut at a character boundary: the reply stays UTF-8, wherever the
    //  64th byte falls in a character
    char text [301];
    for (size_t shift = 0; shift < 3; shift++) {
        memset (text, 'a', shift);
        size_t used = shift;
        while (used + 3 < sizeof text) {
            memcpy (text + used, "\xe2\x82\xac", 3);     //  euro signs
            used += 3;
        }
        assert_true (wsis_valid_utf8 (text, used));
        assert_non_null (s_check_key (&s_register, text, used, &error));
        assert_true (wsis_valid_utf8 (error.field, strlen (error.field)));
        assert_true (wsis_valid_utf8 (error.message, strlen (error.message)));
        assert_true (strlen (error.field) > 60 && strlen (error.field) <= 64);
        //  Deep in a nested map too
        body_t body;
        s_body_begin (&body);
        msgpack_pack_map (&body.pk, 1);
        wsis_pack_str (&body.pk, "contact");
        msgpack_pack_map (&body.pk, 1);
        wsis_pack_strn (&body.pk, text, used);
        wsis_pack_str (&body.pk, "x");
        assert_int_equal (wsis_op_fields_check (&s_create, s_body_end (&body), &error), -1);
        assert_true (wsis_valid_utf8 (error.field, strlen (error.field)));
        assert_true (wsis_valid_utf8 (error.message, strlen (error.message)));
        assert_true (strncmp (error.field, "contact.", 8) == 0);
        s_body_destroy (&body);
    }
    free (key);
}

static void
test_pack (void **state)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    wsis_op_fields_pack (&s_create, &pk);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    assert_int_equal (msgpack_unpack_next (&unpacked, buffer.data, buffer.size, &offset),
                      MSGPACK_UNPACK_SUCCESS);
    const msgpack_object *op = &unpacked.data;
    assert_int_equal (op->via.map.size, 4);
    assert_true (wsis_msg_str_equals (wsis_msg_get (op, "op"), "submission.create"));
    const msgpack_object *roles = wsis_msg_get (op, "roles");
    assert_int_equal (roles->via.array.size, 1);
    assert_true (wsis_msg_str_equals (&roles->via.array.ptr [0], "stakeholder"));
    assert_true (wsis_msg_get (op, "writes")->via.boolean);
    const msgpack_object *fields = wsis_msg_get (op, "fields");
    assert_int_equal (fields->via.array.size, 5);
    const msgpack_object *call = &fields->via.array.ptr [0];
    assert_int_equal (call->via.map.size, 2);
    assert_true (wsis_msg_str_equals (wsis_msg_get (call, "name"), "call"));
    assert_true (wsis_msg_get (call, "required")->via.boolean);
    const msgpack_object *contact = &fields->via.array.ptr [2];
    assert_int_equal (contact->via.map.size, 3);
    assert_false (wsis_msg_get (contact, "required")->via.boolean);
    assert_int_equal (wsis_msg_get (contact, "fields")->via.array.size, 3);
    const msgpack_object *speakers = &fields->via.array.ptr [3];
    assert_int_equal (speakers->via.map.size, 4);
    assert_true (wsis_msg_get (speakers, "array")->via.boolean);
    const msgpack_object *organization = &wsis_msg_get (speakers, "fields")->via.array.ptr [2];
    assert_true (wsis_msg_str_equals (wsis_msg_get (organization, "name"), "organization"));
    assert_false (wsis_msg_get (organization, "required")->via.boolean);
    msgpack_unpacked_destroy (&unpacked);

    //  No fields, every role of a public operation
    msgpack_sbuffer_clear (&buffer);
    wsis_op_fields_pack (&s_register, &pk);
    msgpack_unpacked_init (&unpacked);
    offset = 0;
    assert_int_equal (msgpack_unpack_next (&unpacked, buffer.data, buffer.size, &offset),
                      MSGPACK_UNPACK_SUCCESS);
    roles = wsis_msg_get (&unpacked.data, "roles");
    assert_int_equal (roles->via.array.size, 3);
    assert_true (wsis_msg_str_equals (&roles->via.array.ptr [0], "public"));
    assert_true (wsis_msg_str_equals (&roles->via.array.ptr [1], "operator"));
    assert_true (wsis_msg_str_equals (&roles->via.array.ptr [2], "gateway"));
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_clear (&buffer);
    wsis_op_fields_pack (&s_ping, &pk);
    msgpack_unpacked_init (&unpacked);
    offset = 0;
    assert_int_equal (msgpack_unpack_next (&unpacked, buffer.data, buffer.size, &offset),
                      MSGPACK_UNPACK_SUCCESS);
    assert_int_equal (wsis_msg_get (&unpacked.data, "fields")->via.array.size, 0);
    assert_false (wsis_msg_get (&unpacked.data, "writes")->via.boolean);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buffer);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_declarations),
        cmocka_unit_test (test_check_top_level),
        cmocka_unit_test (test_check_any_order),
        cmocka_unit_test (test_check_nested),
        cmocka_unit_test (test_check_hostile_keys),
        cmocka_unit_test (test_pack),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
