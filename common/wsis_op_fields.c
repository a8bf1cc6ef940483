/*  wsis_op_fields: reading field declarations, refusing undeclared fields
    with a suggestion, and listing the declarations for sys.ops. */
#include "wsis_op_fields.h"
#include "wsis_suggest.h"
#include "wsis_pack.h"

#include <stdio.h>
#include <string.h>

//  Longer words are not compared: a client's key may be a megabyte.
//  A field list longer than this is not spelt out in a message.
#define LISTING_MAX 200

static bool
s_name_char (char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

bool
wsis_op_fields_next (const char **cursor, const char *end, wsis_op_field_t *field)
{
    const char *at = *cursor;
    while (at < end && *at == ' ')
        at++;
    if (at == end)
        return false;
    memset (field, 0, sizeof *field);
    field->name = at;
    while (at < end && s_name_char (*at))
        at++;
    field->name_len = (size_t) (at - field->name);
    if (field->name_len == 0)
        return false;
    field->required = true;
    if (at < end && *at == '?') {
        field->required = false;
        at++;
    }
    if (at < end && (*at == '{' || *at == '[')) {
        char open = *at, close = open == '{'? '}': ']';
        field->nested = open;
        field->fields = ++at;
        int depth = 1;
        for (; at < end && depth; at++)
            depth += *at == '{' || *at == '['? 1: *at == '}' || *at == ']'? -1: 0;
        //  The bracket that closed it must be its own kind.
        if (depth || at [-1] != close)
            return false;
        field->fields_len = (size_t) (at - 1 - field->fields);
    }
    if (at < end && *at != ' ')
        return false;
    *cursor = at;
    return true;
}

static bool
s_valid (const char *fields, size_t len)
{
    const char *cursor = fields, *end = fields + len;
    wsis_op_field_t field;
    while (wsis_op_fields_next (&cursor, end, &field))
        if (field.nested && (field.fields_len == 0 || !s_valid (field.fields, field.fields_len)))
            return false;
    while (cursor < end && *cursor == ' ')
        cursor++;
    return cursor == end;
}

bool
wsis_op_fields_valid (const char *fields)
{
    return !fields || s_valid (fields, strlen (fields));
}

//  -------------------------------------------------------------------------
//  The check

//  The length of text cut to at most max bytes at a character boundary:
//  a message or a field path must stay valid UTF-8.
static size_t
s_cut (const char *text, size_t len, size_t max)
{
    if (len <= max)
        return len;
    while (max > 0 && ((unsigned char) text [max] & 0xc0) == 0x80)
        max--;
    return max;
}

//  path.name into buffer (name alone at the top), cut whole characters
//  at a time when it does not fit.
static void
s_join (char *buffer, size_t size, const char *path, const char *name, size_t len)
{
    int written = snprintf (buffer, size, "%s%s%.*s", path, *path? ".": "", (int) len, name);
    if (written < 0)
        *buffer = 0;
    else
    if ((size_t) written >= size) {
        size_t end = s_cut (buffer, size - 1, size - 1);
        //  The last character may have lost its tail bytes.
        size_t start = end;
        while (start > 0 && ((unsigned char) buffer [start - 1] & 0xc0) == 0x80)
            start--;
        if (start > 0 && ((unsigned char) buffer [start - 1] & 0x80)) {
            unsigned char lead = (unsigned char) buffer [start - 1];
            size_t need = lead >= 0xf0? 4: lead >= 0xe0? 3: 2;
            if (end - (start - 1) < need)
                end = start - 1;
        }
        buffer [end] = 0;
    }
}

//  One level of a declaration, found in a body at path (the dotted path
//  of the map that has these fields, "" at the top).
typedef struct {
    const wsis_op_t *op;
    wsis_error_t *error;
} check_t;

static int s_check_map (check_t *check, const char *fields, size_t fields_len,
                        const msgpack_object *map, const char *path);

//  "name, email, gender" of one level into buffer; "" when it does not fit.
static void
s_listing (const char *fields, size_t fields_len, char *buffer, size_t size)
{
    const char *cursor = fields, *end = fields + fields_len;
    wsis_op_field_t field;
    size_t used = 0;
    *buffer = 0;
    while (wsis_op_fields_next (&cursor, end, &field)) {
        int written = snprintf (buffer + used, size - used, "%s%.*s", used? ", ": "",
                                (int) field.name_len, field.name);
        if (written < 0 || (size_t) written >= size - used) {
            *buffer = 0;
            return;
        }
        used += (size_t) written;
    }
}

static int
s_refuse (check_t *check, const char *fields, size_t fields_len, const char *path,
          const char *key, size_t key_len)
{
    char full [128];
    key_len = s_cut (key, key_len, WSIS_SUGGEST_WORD_MAX);
    s_join (full, sizeof full, path, key, key_len);
    //  The closest declared name at this level, if one is close.
    const char *cursor = fields, *end = fields + fields_len;
    wsis_op_field_t field, closest = { 0 };
    size_t best = SIZE_MAX;
    while (wsis_op_fields_next (&cursor, end, &field)) {
        size_t distance = wsis_suggest_distance (key, key_len, field.name, field.name_len);
        if (wsis_suggest_close (distance, field.name_len) && distance < best) {
            best = distance;
            closest = field;
        }
    }
    const char *op = check->op->name;
    if (closest.name)
        return wsis_error_set (check->error, "validation", full,
                               "'%s' is not a field of %s; did you mean '%s%s%.*s'?",
                               full, op, path, *path? ".": "", (int) closest.name_len, closest.name);
    if (fields_len == 0)
        return wsis_error_set (check->error, "validation", full,
                               "'%s' is not a field of %s; %s takes no fields",
                               full, op, *path? path: op);
    char listing [LISTING_MAX];
    s_listing (fields, fields_len, listing, sizeof listing);
    if (*listing)
        return wsis_error_set (check->error, "validation", full,
                               "'%s' is not a field of %s; the fields of %s are %s",
                               full, op, *path? path: op, listing);
    return wsis_error_set (check->error, "validation", full,
                           "'%s' is not a field of %s; sys.ops lists its fields", full, op);
}

//  A declared field's value: a nested map, or each map of an array, is
//  checked against the nested declaration. A value of another type is
//  the handler's to refuse.
static int
s_check_value (check_t *check, const wsis_op_field_t *field, const msgpack_object *value,
               const char *path)
{
    if (field->nested == '{' && value->type == MSGPACK_OBJECT_MAP)
        return s_check_map (check, field->fields, field->fields_len, value, path);
    if (field->nested == '[' && value->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t i = 0; i < value->via.array.size; i++) {
            const msgpack_object *item = &value->via.array.ptr [i];
            char index [16], item_path [128];
            snprintf (index, sizeof index, "%u", i);
            s_join (item_path, sizeof item_path, path, index, strlen (index));
            if (item->type == MSGPACK_OBJECT_MAP
            &&  s_check_map (check, field->fields, field->fields_len, item, item_path))
                return -1;
        }
    }
    return 0;
}

//  Finds the declaration of name in fields. Bodies mostly list their keys
//  in the declared order, so the search starts at *resume, just after the
//  last one found, and wraps around: each key is then found by reading
//  one declaration, not all those before it.
static bool
s_declared (const char *fields, size_t fields_len, const char **resume,
            const char *name, size_t name_len, wsis_op_field_t *field)
{
    const char *end = fields + fields_len;
    const char *from [2] = { *resume, fields };
    const char *until [2] = { end, *resume };
    for (int pass = 0; pass < 2; pass++) {
        const char *cursor = from [pass];
        while (cursor < until [pass] && wsis_op_fields_next (&cursor, end, field))
            if (field->name_len == name_len && memcmp (field->name, name, name_len) == 0) {
                *resume = cursor;
                return true;
            }
    }
    return false;
}

static int
s_check_map (check_t *check, const char *fields, size_t fields_len,
             const msgpack_object *map, const char *path)
{
    const msgpack_object_map *entries = &map->via.map;
    const char *resume = fields;
    for (uint32_t i = 0; i < entries->size; i++) {
        const msgpack_object *key = &entries->ptr [i].key;
        //  The decoder lets only str keys through; anything else is not
        //  a name this check can speak about.
        if (key->type != MSGPACK_OBJECT_STR)
            continue;
        const char *name = key->via.str.ptr;
        size_t name_len = key->via.str.size;
        wsis_op_field_t field;
        if (!s_declared (fields, fields_len, &resume, name, name_len, &field))
            return s_refuse (check, fields, fields_len, path, name, name_len);
        if (field.nested) {
            char nested_path [128];
            s_join (nested_path, sizeof nested_path, path, name, name_len);
            if (s_check_value (check, &field, &entries->ptr [i].val, nested_path))
                return -1;
        }
    }
    return 0;
}

int
wsis_op_fields_check (const wsis_op_t *op, const msgpack_object *body, wsis_error_t *error)
{
    if (!body || body->type != MSGPACK_OBJECT_MAP)
        return 0;
    check_t check = { op, error };
    const char *fields = op->fields? op->fields: "";
    return s_check_map (&check, fields, strlen (fields), body, "");
}

//  -------------------------------------------------------------------------
//  Listing (sys.ops)

static size_t
s_count (const char *fields, size_t fields_len)
{
    const char *cursor = fields, *end = fields + fields_len;
    wsis_op_field_t field;
    size_t count = 0;
    while (wsis_op_fields_next (&cursor, end, &field))
        count++;
    return count;
}

static void
s_pack_fields (const char *fields, size_t fields_len, msgpack_packer *pk)
{
    msgpack_pack_array (pk, s_count (fields, fields_len));
    const char *cursor = fields, *end = fields + fields_len;
    wsis_op_field_t field;
    while (wsis_op_fields_next (&cursor, end, &field)) {
        msgpack_pack_map (pk, 2 + (field.nested? 1: 0) + (field.nested == '['? 1: 0));
        wsis_pack_str (pk, "name");
        wsis_pack_strn (pk, field.name, field.name_len);
        wsis_pack_kv_bool (pk, "required", field.required);
        if (field.nested) {
            wsis_pack_str (pk, "fields");
            s_pack_fields (field.fields, field.fields_len, pk);
        }
        if (field.nested == '[')
            wsis_pack_kv_bool (pk, "array", true);
    }
}

void
wsis_op_fields_pack (const wsis_op_t *op, msgpack_packer *pk)
{
    size_t roles = 0;
    for (unsigned bit = 1; bit <= WSIS_ROLE_PUBLISHER; bit <<= 1)
        roles += (op->roles & bit) != 0;
    msgpack_pack_map (pk, 4);
    wsis_pack_kv_str (pk, "op", op->name);
    wsis_pack_str (pk, "roles");
    msgpack_pack_array (pk, roles);
    for (unsigned bit = 1; bit <= WSIS_ROLE_PUBLISHER; bit <<= 1)
        if (op->roles & bit)
            wsis_pack_str (pk, wsis_role_name ((wsis_role_t) bit));
    wsis_pack_kv_bool (pk, "writes", (op->flags & WSIS_OP_WRITES) != 0);
    wsis_pack_str (pk, "fields");
    const char *fields = op->fields? op->fields: "";
    s_pack_fields (fields, strlen (fields), pk);
}
