/*  test_notifications_message: the RFC 5322 messages of the file and smtp
    channels.

    The message is read back by a parser that owes nothing to ours:
    Python's email package (policy.default), run on a copy written to a
    temp folder. It says what a mail client would show: the sender's and
    recipient's names, the subject, the body after the transfer encoding,
    the headers there are. The test itself checks what it can see on the
    wire: CRLF line ends only, nothing but ASCII, lines within the limits
    of RFC 5322 and RFC 2045, and no line that starts a header the
    message did not mean to have, whatever CR or LF the names, subject,
    address and key hold.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"
#include "notifications.h"
#include "wsis_valid.h"

#include <sodium.h>

#define FROM "WSIS Forum <noreply@wsis.example.org>"
#define PYTHON "/usr/bin/python3"

//  Reads the message named by argv[1] and prints what a client sees, as
//  JSON. Bodies come back with \n line ends: the parser keeps the CRLF
//  of the wire in the decoded payload. Python's address parser keeps a
//  space between two encoded-words of a display name, where RFC 2047
//  section 6.2 drops it, so "to_rfc2047" is the To header decoded by the
//  package's older decoder, which follows the RFC there.
static const char s_reader [] =
    "import sys, json, email, email.policy\n"
    "from email.header import decode_header, make_header\n"
    "raw = open (sys.argv [1], 'rb').read ()\n"
    "m = email.message_from_bytes (raw, policy=email.policy.default)\n"
    "def mailbox (name):\n"
    "    h = m [name]\n"
    "    a = h.addresses\n"
    "    return {'count': len (a), 'name': a [0].display_name if a else None,\n"
    "            'address': a [0].addr_spec if a else None,\n"
    "            'defects': [str (d) for d in h.defects]}\n"
    "out = {\n"
    "    'keys': list (m.keys ()),\n"
    "    'from': mailbox ('From'), 'to': mailbox ('To'),\n"
    "    'subject': str (m ['Subject']),\n"
    "    'subject_defects': [str (d) for d in m ['Subject'].defects],\n"
    "    'date': m ['Date'].datetime.isoformat (),\n"
    "    'body': m.get_content ().replace ('\\r\\n', '\\n'),\n"
    "    'charset': m.get_content_charset (),\n"
    "    'defects': [str (d) for d in m.defects],\n"
    "}\n"
    "legacy = email.message_from_bytes (raw, policy=email.policy.compat32)\n"
    "out ['to_raw'] = legacy ['To']\n"
    "out ['to_rfc2047'] = str (make_header (decode_header (legacy ['To'])))\n"
    "for name in m.keys ():\n"
    "    out ['header:' + name] = str (m [name])\n"
    "print (json.dumps (out))\n";

//  --------------------------------------------------------------------------
//  Helpers

//  A mail to Ada, ASCII all through, which each test changes
static notify_mail_t
s_mail (void)
{
    notify_mail_t mail = {
        .from = FROM,
        .to_name = "Ada Lovelace",
        .to_email = "ada@example.org",
        .subject = "WSIS Prizes 2022: your submission was received",
        .body = "Dear Ada,\n\nThank you for your submission.\n",
        .key = "prizes-2022/submission.received/sub-42",
        .date = test_utc ("2022-01-21T22:00:00Z"),
    };
    return mail;
}

//  Every encoded-word of the header is at most 75 characters (RFC 2047
//  section 2) and holds whole UTF-8 characters (section 5: each is
//  decoded on its own; Python's parser would hide a character split
//  between two, it joins their bytes first)
static void
s_expect_encoded_words (const char *data, size_t size)
{
    const char *end_of_headers = (const char *) memmem (data, size, "\r\n\r\n", 4);
    assert_non_null (end_of_headers);
    char *headers = strndup (data, (size_t) (end_of_headers - data));
    const char *word = headers;
    while ((word = strstr (word, "=?UTF-8?B?"))) {
        const char *payload = word + 10;
        const char *end = strstr (payload, "?=");
        assert_non_null (end);
        assert_true (end + 2 - word <= 75);
        unsigned char decoded [64];
        size_t length = 0;
        assert_int_equal (sodium_base642bin (decoded, sizeof decoded, payload,
                                             (size_t) (end - payload), NULL, &length, NULL,
                                             sodium_base64_VARIANT_ORIGINAL), 0);
        assert_true (length > 0);
        assert_true (wsis_valid_utf8 ((const char *) decoded, length));
        word = end + 2;
    }
    free (headers);
}

//  What is on the wire: only CRLF line ends, only ASCII (RFC 5322 text
//  and the transfer encodings keep to it), header lines within 78
//  characters but for URIs, body lines within 76, and every header line either a
//  continuation or one of the headers this module writes.
static void
s_expect_wire (zchunk_t *message)
{
    static const char *const names [] = {
        "From:", "To:", "Subject:", "Date:", "Message-ID:", "MIME-Version:",
        "Content-Type:", "Content-Transfer-Encoding:", "X-WSIS-Key:",
        "List-Unsubscribe:", "List-Unsubscribe-Post:", NULL
    };
    const char *data = (const char *) zchunk_data (message);
    size_t size = zchunk_size (message);
    bool in_body = false;
    const char *header = NULL;  //  the header the line belongs to
    size_t start = 0;
    for (size_t i = 0; i < size; i++) {
        assert_true ((unsigned char) data [i] < 0x80);
        if (data [i] == '\r')
            assert_true (i + 1 < size && data [i + 1] == '\n');
        if (data [i] == '\n')
            assert_true (i > 0 && data [i - 1] == '\r');
        if (data [i] != '\n' && i + 1 < size)
            continue;
        size_t length = i - start + (data [i] == '\n'? -1: 1);
        const char *line = data + start;
        if (in_body)
            assert_true (length <= 76);
        else
        if (length == 0)
            in_body = true;
        else {
            if (line [0] != ' ') {
                header = NULL;
                for (size_t n = 0; names [n] && !header; n++)
                    if (strncmp (line, names [n], strlen (names [n])) == 0)
                        header = names [n];
                if (!header)
                    fail_msg ("a header line the module does not write: %.*s",
                              (int) length, line);
            }
            assert_non_null (header);
            //  A URI cannot be folded: the lines of the list header may
            //  pass 78, never 998 (RFC 5322 section 2.1.1)
            size_t max = strcmp (header, "List-Unsubscribe:") == 0? 998: 78;
            if (length > max)
                fail_msg ("a header line of %zu characters: %.*s", length, (int) length, line);
        }
        start = i + 1;
    }
    assert_true (in_body);
    s_expect_encoded_words (data, size);
}

//  The message as Python's email package reads it; the caller decrefs
static json_t *
s_parse (zchunk_t *message)
{
    char dir [64];
    assert_int_equal (test_tempdir_make (dir, sizeof dir, "test_notify_message"), 0);
    char path [128];
    snprintf (path, sizeof path, "%s/message.eml", dir);
    FILE *file = fopen (path, "wb");
    assert_non_null (file);
    assert_int_equal (fwrite (zchunk_data (message), 1, zchunk_size (message), file),
                      zchunk_size (message));
    assert_int_equal (fclose (file), 0);

    char script [128];
    snprintf (script, sizeof script, "%s/reader.py", dir);
    file = fopen (script, "w");
    assert_non_null (file);
    fputs (s_reader, file);
    assert_int_equal (fclose (file), 0);

    char command [512];
    snprintf (command, sizeof command, PYTHON " %s %s", script, path);
    FILE *reader = popen (command, "r");
    assert_non_null (reader);
    char output [65536];
    size_t size = fread (output, 1, sizeof output - 1, reader);
    output [size] = 0;
    assert_int_equal (pclose (reader), 0);
    assert_int_equal (test_tempdir_remove (dir), 0);

    json_error_t error;
    json_t *parsed = json_loads (output, 0, &error);
    if (!parsed)
        fail_msg ("the reader said: %s", output);
    //  Nothing the parser had to repair
    assert_int_equal (json_array_size (json_object_get (parsed, "defects")), 0);
    assert_int_equal (json_array_size (json_object_get (parsed, "subject_defects")), 0);
    return parsed;
}

//  Builds mail, checks the wire, parses it back; the caller decrefs
static json_t *
s_build_parse (const notify_mail_t *mail, zchunk_t **message_p)
{
    zchunk_t *message = notify_message_build (mail);
    assert_non_null (message);
    s_expect_wire (message);
    json_t *parsed = s_parse (message);
    if (message_p)
        *message_p = message;
    else
        zchunk_destroy (&message);
    return parsed;
}

static const char *
s_field (json_t *parsed, const char *name)
{
    json_t *value = json_object_get (parsed, name);
    return json_is_string (value)? json_string_value (value): NULL;
}

static const char *
s_mailbox (json_t *parsed, const char *header, const char *field)
{
    json_t *mailbox = json_object_get (parsed, header);
    assert_int_equal (json_integer_value (json_object_get (mailbox, "count")), 1);
    assert_int_equal (json_array_size (json_object_get (mailbox, "defects")), 0);
    return s_field (mailbox, field);
}

//  The wire text of the message, NUL-terminated; the caller frees it
static char *
s_text (zchunk_t *message)
{
    char *text = (char *) zmalloc (zchunk_size (message) + 1);
    memcpy (text, zchunk_data (message), zchunk_size (message));
    return text;
}

//  The headers a client sees, in order, are exactly expected
static void
s_expect_keys (json_t *parsed, const char *const *expected)
{
    json_t *keys = json_object_get (parsed, "keys");
    size_t count = 0;
    while (expected [count])
        count++;
    if (json_array_size (keys) != count) {
        char *dump = json_dumps (keys, 0);
        fail_msg ("headers: %s", dump);
    }
    for (size_t i = 0; i < count; i++)
        assert_string_equal (json_string_value (json_array_get (keys, i)), expected [i]);
}

static const char *const s_plain_keys [] = {
    "From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
    "Content-Transfer-Encoding", "X-WSIS-Key", NULL
};

//  The body comes back exactly, through the transfer encoding expected
static void
s_expect_body (const char *body, const char *encoding)
{
    notify_mail_t mail = s_mail ();
    mail.body = body;
    json_t *parsed = s_build_parse (&mail, NULL);
    assert_string_equal (s_field (parsed, "body"), body);
    assert_string_equal (s_field (parsed, "header:Content-Transfer-Encoding"), encoding);
    json_decref (parsed);
}

//  The subject comes back exactly. Returns the Subject header as it was
//  written, its folds included; the caller frees it.
static char *
s_subject_header (const char *subject)
{
    notify_mail_t mail = s_mail ();
    mail.subject = subject;
    zchunk_t *message;
    json_t *parsed = s_build_parse (&mail, &message);
    assert_string_equal (s_field (parsed, "subject"), subject);
    json_decref (parsed);
    char *text = s_text (message);
    zchunk_destroy (&message);
    char *start = strstr (text, "\r\nSubject: ");
    char *end = strstr (text, "\r\nDate: ");
    assert_true (start && end && start < end);
    char *header = strndup (start + 2, (size_t) (end - start - 2));
    free (text);
    return header;
}

static void
s_expect_subject (const char *subject)
{
    free (s_subject_header (subject));
}

//  text with every run of spaces made one space; the caller frees it
static char *
s_one_space (const char *text)
{
    char *copy = strdup (text);
    char *to = copy;
    for (const char *from = text; *from; from++)
        if (*from != ' ' || to == copy || to [-1] != ' ')
            *to++ = *from;
    *to = 0;
    return copy;
}

//  The recipient's name comes back exactly, with the address. When the
//  name took more than one encoded-word, exactly by the RFC 2047 decoder,
//  and but for a doubled space by Python's address parser.
static void
s_expect_name (const char *name)
{
    notify_mail_t mail = s_mail ();
    mail.to_name = name;
    json_t *parsed = s_build_parse (&mail, NULL);
    assert_string_equal (s_mailbox (parsed, "to", "address"), "ada@example.org");
    const char *shown = s_mailbox (parsed, "to", "name");
    const char *raw = s_field (parsed, "to_raw");
    const char *second = strstr (raw, "=?UTF-8?B?");
    second = second? strstr (second + 1, "=?UTF-8?B?"): NULL;
    if (!second)
        assert_string_equal (shown, name);
    else {
        char *expected = s_one_space (name);
        char *got = s_one_space (shown);
        assert_string_equal (got, expected);
        free (expected);
        free (got);
        char decoded [512];
        snprintf (decoded, sizeof decoded, "%s <ada@example.org>", name);
        assert_string_equal (s_field (parsed, "to_rfc2047"), decoded);
    }
    json_decref (parsed);
}

//  --------------------------------------------------------------------------
//  Tests

//  A mail in ASCII stays readable: 7bit, the subject as it is, the body
//  as it is with CRLF
static void
test_ascii_7bit (void **state)
{
    notify_mail_t mail = s_mail ();
    zchunk_t *message;
    json_t *parsed = s_build_parse (&mail, &message);
    s_expect_keys (parsed, s_plain_keys);
    assert_string_equal (s_mailbox (parsed, "from", "name"), "WSIS Forum");
    assert_string_equal (s_mailbox (parsed, "from", "address"), "noreply@wsis.example.org");
    assert_string_equal (s_mailbox (parsed, "to", "name"), "Ada Lovelace");
    assert_string_equal (s_mailbox (parsed, "to", "address"), "ada@example.org");
    assert_string_equal (s_field (parsed, "subject"), mail.subject);
    assert_string_equal (s_field (parsed, "body"), mail.body);
    assert_string_equal (s_field (parsed, "charset"), "utf-8");
    assert_string_equal (s_field (parsed, "date"), "2022-01-21T22:00:00+00:00");
    assert_string_equal (s_field (parsed, "header:X-WSIS-Key"), mail.key);
    json_decref (parsed);

    char *text = s_text (message);
    assert_non_null (strstr (text,
        "From: WSIS Forum <noreply@wsis.example.org>\r\n"
        "To: Ada Lovelace <ada@example.org>\r\n"
        "Subject: WSIS Prizes 2022: your submission was received\r\n"
        "Date: Fri, 21 Jan 2022 22:00:00 +0000\r\n"));
    assert_non_null (strstr (text,
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=UTF-8\r\n"
        "Content-Transfer-Encoding: 7bit\r\n"
        "X-WSIS-Key: prizes-2022/submission.received/sub-42\r\n"
        "\r\n"
        "Dear Ada,\r\n\r\nThank you for your submission.\r\n"));
    //  The body is the end of the message
    const char *end = "Thank you for your submission.\r\n";
    assert_string_equal (text + strlen (text) - strlen (end), end);
    free (text);
    zchunk_destroy (&message);

    //  Without a name, the bare address; a body given with CRLF is the
    //  same body
    mail.to_name = NULL;
    mail.body = "Dear Ada,\r\n\r\nThank you for your submission.\r\n";
    parsed = s_build_parse (&mail, &message);
    assert_string_equal (s_mailbox (parsed, "to", "name"), "");
    assert_string_equal (s_field (parsed, "body"),
                         "Dear Ada,\n\nThank you for your submission.\n");
    assert_string_equal (s_field (parsed, "header:Content-Transfer-Encoding"), "7bit");
    text = s_text (message);
    assert_non_null (strstr (text, "\r\nTo: ada@example.org\r\n"));
    free (text);
    zchunk_destroy (&message);
    json_decref (parsed);

    //  Instants before 1970 and seconds within the minute
    mail.date = test_utc ("2022-03-01T08:05:09.999Z");
    parsed = s_build_parse (&mail, NULL);
    assert_string_equal (s_field (parsed, "date"), "2022-03-01T08:05:09+00:00");
    assert_string_equal (s_field (parsed, "header:Date"), "Tue, 01 Mar 2022 08:05:09 +0000");
    json_decref (parsed);
    mail.date = -1;
    parsed = s_build_parse (&mail, NULL);
    assert_string_equal (s_field (parsed, "header:Date"), "Wed, 31 Dec 1969 23:59:59 +0000");
    json_decref (parsed);
}

//  Names in UTF-8 are encoded-words that come back whole; ASCII names
//  with specials are quoted
static void
test_names (void **state)
{
    s_expect_name ("Zoë Ōsaka");
    s_expect_name ("O'Brien, Jane (ITU)");
    s_expect_name ("Jane \"JJ\" Doe \\ ITU");
    s_expect_name ("Dr. Jane Doe");
    s_expect_name ("Jane  Doe");
    s_expect_name ("=?UTF-8?B?RXZl?=");
    //  Too long for a quoted string on one line: encoded-words, folded
    s_expect_name ("Jane Doe, Senior Adviser to the WSIS Action Line C1 facilitation team");
    s_expect_name ("Ζωή Ōsaka 大阪 Зоя Осака, Senior Adviser, WSIS Action Line C1 🌍");

    notify_mail_t mail = s_mail ();
    mail.to_name = "Zoë Ōsaka";
    mail.from = "\"Forum SMSI – Genève\" <noreply@wsis.example.org>";
    zchunk_t *message;
    json_t *parsed = s_build_parse (&mail, &message);
    assert_string_equal (s_mailbox (parsed, "from", "name"), "Forum SMSI – Genève");
    assert_string_equal (s_mailbox (parsed, "from", "address"), "noreply@wsis.example.org");
    assert_string_equal (s_mailbox (parsed, "to", "name"), "Zoë Ōsaka");
    json_decref (parsed);
    char *text = s_text (message);
    assert_non_null (strstr (text, "\r\nTo: =?UTF-8?B?"));
    assert_non_null (strstr (text, "?= <ada@example.org>\r\n"));
    free (text);
    zchunk_destroy (&message);

    //  A bare address as From
    mail.from = "noreply@wsis.example.org";
    parsed = s_build_parse (&mail, NULL);
    assert_string_equal (s_mailbox (parsed, "from", "address"), "noreply@wsis.example.org");
    assert_string_equal (s_mailbox (parsed, "from", "name"), "");
    json_decref (parsed);
}

//  How many encoded-words text holds
static size_t
s_encoded_words (const char *text)
{
    size_t words = 0;
    for (const char *word = text; (word = strstr (word, "=?UTF-8?B?")); word++)
        words++;
    return words;
}

//  A long subject in UTF-8: several encoded-words on folded lines,
//  characters of two, three and four bytes across word boundaries
static void
test_long_utf8_subject (void **state)
{
    const char *subject =
        "Rappel : la phase de vote des Prix SMSI 2022 se termine à Genève — "
        "Ōsaka 大阪 東京 Зоя 🌍🌎🌏 dans 7 jours, le 31 mars à 23 h 00 (heure de Genève) ✓";
    char *header = s_subject_header (subject);
    assert_true (s_encoded_words (header) > 2);
    assert_non_null (strstr (header, "?=\r\n =?UTF-8?B?"));
    free (header);

    //  Every cut of a string of four-byte characters lands between two
    for (size_t length = 1; length <= 30; length++) {
        char emoji [128] = "";
        for (size_t i = 0; i < length; i++)
            strcat (emoji, i % 2? "🌍": "é");
        s_expect_subject (emoji);
    }
}

//  Long ASCII subjects stay plain, folded before spaces; what a decoder
//  would change or what cannot be folded is encoded
static void
test_ascii_subject (void **state)
{
    const char *subject =
        "Reminder: the voting phase of WSIS Prizes 2022 (prizes-2022) closes in 7 days, "
        "on 2022-03-31 23:00 Europe/Geneva; please check the list of nominated projects";
    char *header = s_subject_header (subject);
    assert_memory_equal (header, "Subject: Reminder: the voting phase", 35);
    assert_int_equal (s_encoded_words (header), 0);
    //  Folded: the subject spans more than one line
    assert_non_null (strstr (header, "\r\n "));
    free (header);

    s_expect_subject ("A subject with  two spaces inside");
    s_expect_subject ("Looks encoded: =?UTF-8?B?RXZl?= but is not");
    s_expect_subject ("");
    //  A tab or any other control character is a space: a header value
    //  is one line of printable text
    notify_mail_t tabbed = s_mail ();
    tabbed.subject = "\ta tab\tand a bell\a ";
    json_t *parsed_tab = s_build_parse (&tabbed, NULL);
    assert_string_equal (s_field (parsed_tab, "subject"), "a tab and a bell");
    json_decref (parsed_tab);
    char word [200];
    memset (word, 'w', sizeof word - 1);
    word [sizeof word - 1] = 0;
    s_expect_subject (word);
}

//  Bodies that 7bit would not carry exactly go out quoted-printable and
//  come back exactly
static void
test_quoted_printable (void **state)
{
    //  A line of 200 characters
    char body [512];
    memset (body, 0, sizeof body);
    for (size_t i = 0; i < 200; i++)
        body [i] = (char) ('a' + i % 26);
    strcat (body, "\nnext line\n");
    s_expect_body (body, "quoted-printable");

    //  76 octets is 7bit still, 77 is not
    memset (body, 'x', 76);
    strcpy (body + 76, "\n");
    s_expect_body (body, "7bit");
    memset (body, 'x', 77);
    strcpy (body + 77, "\n");
    s_expect_body (body, "quoted-printable");

    //  Trailing spaces and tabs, which transports strip
    s_expect_body ("Dear Ada,   \nsee below\t\n  \n", "quoted-printable");
    //  = signs, in 7bit and in quoted-printable
    s_expect_body ("1 + 1 = 2\n", "7bit");
    s_expect_body ("Zoë: a=b, 100% =3D\n= at the start\nat the end =\n", "quoted-printable");
    //  UTF-8 all through, and a long line of it
    char utf8 [1024] = "Chère Zoë Ōsaka,\n\n";
    for (size_t i = 0; i < 40; i++)
        strcat (utf8, "é大🌍 ");
    strcat (utf8, "\nfin\n");
    s_expect_body (utf8, "quoted-printable");
    //  No line break at the end; a bare CR inside a line
    s_expect_body ("Zoë without a final line break", "quoted-printable");
    s_expect_body ("a bare\rcarriage return\n", "quoted-printable");

    //  What it looks like: =XX for the rest, =3D for "=", soft breaks
    //  within 76 characters (s_expect_wire), trailing space encoded
    notify_mail_t mail = s_mail ();
    mail.body = "Zoë x=y  \n";
    zchunk_t *message = notify_message_build (&mail);
    char *text = s_text (message);
    assert_non_null (strstr (text, "Content-Transfer-Encoding: quoted-printable\r\n"));
    assert_non_null (strstr (text, "\r\n\r\nZo=C3=AB x=3Dy =20\r\n"));
    free (text);
    zchunk_destroy (&message);

    //  Every place a soft break can fall around an =XX and a trailing space
    for (size_t length = 60; length < 160; length++) {
        char line [256];
        for (size_t i = 0; i < length; i++)
            line [i] = i % 7 == 3? '=': (char) ('a' + i % 26);
        strcpy (line + length, " \n");
        s_expect_body (line, "quoted-printable");
    }
}

//  An empty body is an empty body
static void
test_empty_body (void **state)
{
    s_expect_body ("", "7bit");
    notify_mail_t mail = s_mail ();
    mail.body = NULL;
    zchunk_t *message;
    json_t *parsed = s_build_parse (&mail, &message);
    assert_string_equal (s_field (parsed, "body"), "");
    json_decref (parsed);
    char *text = s_text (message);
    const char *end = "X-WSIS-Key: prizes-2022/submission.received/sub-42\r\n\r\n";
    assert_string_equal (text + strlen (text) - strlen (end), end);
    free (text);
    zchunk_destroy (&message);
}

//  CR and LF in a name, the subject, the address or the key never start
//  a header: the headers are exactly those meant, with one recipient
static void
test_header_injection (void **state)
{
    static const char *const names [] = {
        "Eve\r\nBcc: victim@example.org",
        "Eve\nBcc: victim@example.org",
        "Eve\rBcc: victim@example.org",
        "Zoë\r\nBcc: victim@example.org",
        "\r\n\r\nBody starts here",
        NULL
    };
    static const char *const subjects [] = {
        "Hello\r\nBcc: victim@example.org",
        "Hello\nX-Evil: 1\n\nbody",
        "Zoë\r\nBcc: victim@example.org",
        "\r\n",
        NULL
    };
    for (size_t i = 0; names [i]; i++)
        for (size_t j = 0; subjects [j]; j++) {
            notify_mail_t mail = s_mail ();
            mail.to_name = names [i];
            mail.subject = subjects [j];
            mail.to_email = "eve@example.org\r\nBcc: victim@example.org";
            mail.key = "prizes-2022/x\r\nX-Evil: 2\n";
            mail.from = "WSIS\r\nBcc: victim@example.org <noreply@wsis.example.org>";
            json_t *parsed = s_build_parse (&mail, NULL);
            s_expect_keys (parsed, s_plain_keys);
            assert_string_equal (s_field (parsed, "body"), mail.body);
            const char *subject = s_field (parsed, "subject");
            assert_null (strchr (subject, '\r'));
            assert_null (strchr (subject, '\n'));
            const char *name = s_mailbox (parsed, "to", "name");
            assert_null (strchr (name, '\n'));
            assert_string_equal (s_mailbox (parsed, "to", "address"), "eve@example.org");
            assert_int_equal (json_integer_value (
                json_object_get (json_object_get (parsed, "from"), "count")), 1);
            //  The key keeps its visible characters
            assert_non_null (strstr (s_field (parsed, "header:X-WSIS-Key"), "prizes-2022/x"));
            json_decref (parsed);
        }

    //  A subscriber's token that tries the same
    notify_mail_t mail = s_mail ();
    mail.unsubscribe_token = "tok\r\nBcc: victim@example.org";
    mail.unsubscribe_mailto = "unsubscribe@wsis.example.org>\r\nBcc: victim@example.org";
    mail.unsubscribe_url = "https://wsis.example.org/unsubscribe?token=\r\nX-Evil: 3\r\n";
    json_t *parsed = s_build_parse (&mail, NULL);
    static const char *const keys [] = {
        "From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
        "Content-Transfer-Encoding", "X-WSIS-Key", "List-Unsubscribe",
        "List-Unsubscribe-Post", NULL
    };
    s_expect_keys (parsed, keys);
    json_decref (parsed);
}

//  The Message-ID: the same for the same key, another for another key,
//  at the domain of the sender
static void
test_message_id (void **state)
{
    char first [128];
    char again [128];
    char other [128];
    notify_message_id ("prizes-2022/voting/reminder/7d", FROM, first, sizeof first);
    notify_message_id ("prizes-2022/voting/reminder/7d", FROM, again, sizeof again);
    notify_message_id ("prizes-2022/voting/reminder/1d", FROM, other, sizeof other);
    assert_string_equal (first, again);
    assert_string_not_equal (first, other);
    assert_int_equal (strlen (first), 1 + 32 + strlen ("@wsis.example.org>"));
    assert_int_equal (first [0], '<');
    assert_int_equal (strspn (first + 1, "0123456789abcdef"), 32);
    assert_string_equal (first + 33, "@wsis.example.org>");
    //  SHA-256 ("prizes-2022/voting/reminder/7d"), its first 16 bytes
    //  (Python's hashlib said so)
    assert_memory_equal (first + 1, "a9e45d75523283c800d5b4951a94bac9", 32);

    notify_message_id ("k", "noreply@mail.example.org", other, sizeof other);
    assert_string_equal (other + 33, "@mail.example.org>");
    notify_message_id ("k", "no address", other, sizeof other);
    assert_string_equal (other + 33, "@localhost>");
    notify_message_id ("k", "x <a@evil.org>\r\nBcc: b@example.org>", other, sizeof other);
    assert_string_equal (other + 33, "@example.org>");

    //  The one in the message is this one
    notify_mail_t mail = s_mail ();
    mail.key = "prizes-2022/voting/reminder/7d";
    json_t *parsed = s_build_parse (&mail, NULL);
    assert_string_equal (s_field (parsed, "header:Message-ID"), first);
    json_decref (parsed);
}

//  RFC 8058 headers for subscribers, and only for them
static void
test_list_unsubscribe (void **state)
{
    notify_mail_t mail = s_mail ();
    mail.unsubscribe_token = "tok-123_abc";
    mail.unsubscribe_mailto = "unsubscribe@wsis.example.org";
    mail.unsubscribe_url = "https://wsis.example.org/unsubscribe?token=";
    json_t *parsed = s_build_parse (&mail, NULL);
    assert_string_equal (s_field (parsed, "header:List-Unsubscribe"),
        "<mailto:unsubscribe@wsis.example.org?subject=unsubscribe%20tok-123_abc>, "
        "<https://wsis.example.org/unsubscribe?token=tok-123_abc>");
    assert_string_equal (s_field (parsed, "header:List-Unsubscribe-Post"),
                         "List-Unsubscribe=One-Click");
    json_decref (parsed);

    //  A token with what a URL must escape
    mail.unsubscribe_token = "a b&c";
    parsed = s_build_parse (&mail, NULL);
    assert_string_equal (s_field (parsed, "header:List-Unsubscribe"),
        "<mailto:unsubscribe@wsis.example.org?subject=unsubscribe%20a%20b%26c>, "
        "<https://wsis.example.org/unsubscribe?token=a%20b%26c>");
    json_decref (parsed);

    //  No token, no list headers
    mail.unsubscribe_token = NULL;
    parsed = s_build_parse (&mail, NULL);
    s_expect_keys (parsed, s_plain_keys);
    json_decref (parsed);
    mail.unsubscribe_token = "";
    parsed = s_build_parse (&mail, NULL);
    s_expect_keys (parsed, s_plain_keys);
    json_decref (parsed);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_ascii_7bit),
        cmocka_unit_test (test_names),
        cmocka_unit_test (test_long_utf8_subject),
        cmocka_unit_test (test_ascii_subject),
        cmocka_unit_test (test_quoted_printable),
        cmocka_unit_test (test_empty_body),
        cmocka_unit_test (test_header_injection),
        cmocka_unit_test (test_message_id),
        cmocka_unit_test (test_list_unsubscribe),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
