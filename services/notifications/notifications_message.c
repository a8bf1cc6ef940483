/*  notifications_message: one notification as an RFC 5322 message.

    What the file channel writes into the outbox folder and the smtp
    channel hands to the server. The text comes from people (a contact's
    name, a project title in the subject) and from other services, so the
    one promise that matters here is that nothing in it can add a header:
    every CR, LF or other control character in a header value becomes a
    space before the value is written, addresses keep only the characters
    an address may hold, and the key is percent-escaped. Display names and
    subjects that are not plain ASCII go out as RFC 2047 encoded-words,
    split on character boundaries so that every decoder (which decodes
    each word on its own) gets whole characters back; the body goes out as
    7bit when any mail system would carry it untouched, else as
    quoted-printable (RFC 2045 section 6.7).
*/
#include "notifications.h"
#include "wsis_alloc.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

//  RFC 5322 section 2.1.1: lines SHOULD stay within 78 characters; RFC
//  2047 section 2: a line holding an encoded-word within 76.
#define S_LINE_MAX 78
#define S_ENCODED_LINE_MAX 76
//  RFC 2045 section 6.7 rule 5: encoded lines of at most 76 characters.
#define S_QP_LINE_MAX 76
//  "=?UTF-8?B?" and "?="
#define S_WORD_PREFIX "=?UTF-8?B?"
#define S_WORD_OVERHEAD 12
//  A display name longer than this does not fit a line as a quoted
//  string; encoded-words can be folded anywhere, so it goes out as those.
#define S_PHRASE_PLAIN_MAX 60

//  --------------------------------------------------------------------------
//  Header text made safe

//  A copy of text where every byte below 0x20 and DEL (CR and LF above
//  all) is a space, what a header holds can never end its line, and
//  without spaces at either end, which parsers drop anyway and which
//  could otherwise leave a folded line of nothing but white space.
static char *
s_header_text (const char *text)
{
    char *safe = wsis_strdup (text? text: "");
    for (char *c = safe; *c; c++)
        if ((unsigned char) *c < 0x20 || *c == 0x7F)
            *c = ' ';
    size_t start = strspn (safe, " ");
    size_t end = strlen (safe);
    while (end > start && safe [end - 1] == ' ')
        end--;
    memmove (safe, safe + start, end - start);
    safe [end - start] = 0;
    return safe;
}

//  Whether c may stand in an address we write: atext (RFC 5322 section
//  3.2.3), the dot and the at sign. wsis_valid_email accepts nothing
//  else, so a checked address passes through unchanged.
static bool
s_address_char (char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || (c && strchr ("!#$%&'*+-/=?^_`{|}~.@", c));
}

//  A copy of address, without spaces around it, up to the first
//  character not of s_address_char: an address that was not checked
//  cannot close the angle brackets, add a recipient or start a header,
//  and "eve@example.org\r\nBcc: ..." is still sent to eve@example.org.
static char *
s_address (const char *address)
{
    address = address? address: "";
    address += strspn (address, " ");
    char *safe = wsis_strdup (address);
    char *end = safe;
    while (s_address_char (*end))
        end++;
    *end = 0;
    return safe;
}

//  Whether text needs encoded-words: bytes beyond ASCII, or "=?", which a
//  decoder would take for the start of an encoded-word and change.
static bool
s_needs_encoding (const char *text)
{
    for (const char *c = text; *c; c++)
        if ((unsigned char) *c >= 0x80)
            return true;
    return strstr (text, "=?") != NULL;
}

//  --------------------------------------------------------------------------
//  Writing headers with folding

typedef struct {
    zchunk_t *chunk;
    size_t column;              //  characters on the line being written
} writer_t;

static void
s_put (writer_t *writer, const char *text, size_t size)
{
    zchunk_extend (writer->chunk, text, size);
    writer->column += size;
}

static void
s_puts (writer_t *writer, const char *text)
{
    s_put (writer, text, strlen (text));
}

static void
s_end_line (writer_t *writer)
{
    zchunk_extend (writer->chunk, "\r\n", 2);
    writer->column = 0;
}

//  Starts a continuation line (RFC 5322 section 2.2.3: a line that starts
//  with white space belongs to the header above it).
static void
s_fold (writer_t *writer)
{
    s_end_line (writer);
    s_put (writer, " ", 1);
}

//  The white space before an item of size characters: a space, or a fold
//  when the item would take the line past max.
static void
s_space_before (writer_t *writer, size_t size, size_t max)
{
    if (writer->column + 1 + size > max)
        s_fold (writer);
    else
        s_put (writer, " ", 1);
}

//  How much of text, at most max bytes, the next encoded-word takes: all
//  that is left if it fits, else up to the last space that fits, else
//  whole UTF-8 characters. A word never splits a character (each word is
//  decoded on its own), and a cut after a space means a decoder that
//  wrongly keeps the white space between two words (Python's address
//  parser does) shows a double space rather than a word cut in two.
static size_t
s_encoded_cut (const char *text, size_t max)
{
    size_t size = strlen (text);
    if (size <= max)
        return size;
    for (size = max; size > 0; size--)
        if (text [size - 1] == ' ')
            return size;
    //  Back off continuation bytes (10xxxxxx): the cut falls before the
    //  lead byte of the character it would have split.
    size = max;
    while (size > 0 && ((unsigned char) text [size] & 0xC0) == 0x80)
        size--;
    return size? size: max;
}

//  text as RFC 2047 "B" encoded-words, each on a line of at most 76
//  characters (the first after what the line already holds), separated by
//  folds; a decoder drops the white space between adjacent encoded-words,
//  so the spaces of the text travel inside the words.
static void
s_put_encoded (writer_t *writer, const char *text)
{
    //  Called right after a header's name: the first word has room for
    //  a character of four bytes (eight base64 characters) at least.
    assert (writer->column + S_WORD_OVERHEAD + 8 <= S_ENCODED_LINE_MAX);
    bool first = true;
    while (first || *text) {
        if (!first)
            s_fold (writer);
        //  base64 turns 3 bytes into 4 characters
        size_t room = S_ENCODED_LINE_MAX - writer->column - S_WORD_OVERHEAD;
        size_t size = s_encoded_cut (text, room / 4 * 3);
        char base64 [S_ENCODED_LINE_MAX];
        sodium_bin2base64 (base64, sizeof base64, (const unsigned char *) text, size,
                           sodium_base64_VARIANT_ORIGINAL);
        s_puts (writer, S_WORD_PREFIX);
        s_puts (writer, base64);
        s_puts (writer, "?=");
        text += size;
        first = false;
    }
}

//  Plain ASCII text folded before white space so lines stay within 78
//  characters where the words allow it; unfolding (removing the CRLF)
//  gives the text back exactly.
static void
s_put_folded (writer_t *writer, const char *text)
{
    while (*text) {
        //  The next piece: the spaces before a word, and the word
        size_t size = strspn (text, " ");
        size += strcspn (text + size, " ");
        if (writer->column + size > S_LINE_MAX && *text == ' ')
            s_end_line (writer);
        s_put (writer, text, size);
        text += size;
    }
}

//  Whether plain text would leave a line over 78 characters: s_put_folded
//  can fold before every piece but the first, so the first must fit after
//  the header's name and each other one on a line of its own. A word that
//  long goes out as encoded-words, which fold anywhere.
static bool
s_too_long_to_fold (const char *text, size_t column)
{
    while (*text) {
        size_t size = strspn (text, " ");
        size += strcspn (text + size, " ");
        if (column + size > S_LINE_MAX)
            return true;
        column = 0;
        text += size;
    }
    return false;
}

//  An unstructured header (Subject): plain and folded when it can be,
//  else encoded-words.
static void
s_header_unstructured (writer_t *writer, const char *name, const char *value)
{
    char *text = s_header_text (value);
    s_puts (writer, name);
    s_puts (writer, ": ");
    if (s_needs_encoding (text) || s_too_long_to_fold (text, writer->column))
        s_put_encoded (writer, text);
    else
        s_put_folded (writer, text);
    s_end_line (writer);
    free (text);
}

//  Whether an ASCII display name can stand as it is: atoms (RFC 5322
//  section 3.2.3) separated by single spaces, since a parser reads any
//  run of white space between atoms as one space.
static bool
s_phrase_is_atoms (const char *text)
{
    if (*text == 0 || *text == ' ')
        return false;
    for (const char *c = text; *c; c++) {
        if (*c == ' ') {
            if (c [1] == ' ' || c [1] == 0)
                return false;
        }
        else
        if (!s_address_char (*c) || *c == '.' || *c == '@')
            return false;
    }
    return true;
}

//  The length of text as a quoted string: quotes, and a backslash
//  before each " and each backslash.
static size_t
s_quoted_length (const char *text)
{
    size_t length = strlen (text) + 2;
    for (const char *c = text; *c; c++)
        if (*c == '"' || *c == '\\')
            length++;
    return length;
}

//  An address header (From, To): "name <address>", the name as atoms, a
//  quoted string or encoded-words; the bare address without a name.
static void
s_header_address (writer_t *writer, const char *header, const char *name,
                  const char *address)
{
    char *phrase = s_header_text (name);
    char *mailbox = s_address (address);
    s_puts (writer, header);
    s_puts (writer, ": ");
    if (strspn (phrase, " ") == strlen (phrase))
        s_puts (writer, mailbox);
    else {
        if (s_needs_encoding (phrase) || s_quoted_length (phrase) > S_PHRASE_PLAIN_MAX)
            s_put_encoded (writer, phrase);
        else
        if (s_phrase_is_atoms (phrase))
            s_puts (writer, phrase);
        else {
            //  A quoted string: only " and \ need a backslash
            s_puts (writer, "\"");
            for (const char *c = phrase; *c; c++) {
                if (*c == '"' || *c == '\\')
                    s_put (writer, "\\", 1);
                s_put (writer, c, 1);
            }
            s_puts (writer, "\"");
        }
        s_space_before (writer, strlen (mailbox) + 2, S_ENCODED_LINE_MAX);
        s_puts (writer, "<");
        s_puts (writer, mailbox);
        s_puts (writer, ">");
    }
    s_end_line (writer);
    free (phrase);
    free (mailbox);
}

//  The From header from the configured "Name <address>" (the name may be
//  quoted) or a bare address.
static void
s_header_from (writer_t *writer, const char *from)
{
    const char *open = strrchr (from, '<');
    if (!open) {
        s_header_address (writer, "From", NULL, from);
        return;
    }
    const char *start = from;
    const char *end = open;
    while (start < end && *start == ' ')
        start++;
    while (end > start && end [-1] == ' ')
        end--;
    if (end - start >= 2 && *start == '"' && end [-1] == '"') {
        start++;
        end--;
    }
    char *name = zmalloc ((size_t) (end - start) + 1);
    memcpy (name, start, (size_t) (end - start));
    char *address = wsis_strdup (open + 1);
    char *close = strchr (address, '>');
    if (close)
        *close = 0;
    s_header_address (writer, "From", name, address);
    free (name);
    free (address);
}

//  Date in the form of RFC 5322 section 3.3, in UTC. Names from our own
//  tables: strftime's %a and %b follow the locale.
static void
s_header_date (writer_t *writer, int64_t date)
{
    static const char *const days [] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char *const months [] = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
    };
    //  Floor, not truncation, for instants before 1970
    time_t seconds = (time_t) (date >= 0? date / 1000: -((-date + 999) / 1000));
    struct tm utc;
    char line [64];
    if (gmtime_r (&seconds, &utc))
        snprintf (line, sizeof line, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000",
                  days [utc.tm_wday], utc.tm_mday, months [utc.tm_mon], utc.tm_year + 1900,
                  utc.tm_hour, utc.tm_min, utc.tm_sec);
    else
        snprintf (line, sizeof line, "Date: Thu, 01 Jan 1970 00:00:00 +0000");
    s_puts (writer, line);
    s_end_line (writer);
}

//  The unreserved characters of RFC 3986 section 2.3
static bool
s_unreserved (char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || (c && strchr ("-._~", c));
}

//  Appends text percent-encoded: every byte but the unreserved ones. Used
//  for the key and the unsubscribe token, which the service makes but
//  which must never carry a line end or a ">".
static void
s_put_escaped (writer_t *writer, const char *text)
{
    for (const char *c = text? text: ""; *c; c++) {
        if (s_unreserved (*c))
            s_put (writer, c, 1);
        else {
            char escaped [4];
            snprintf (escaped, sizeof escaped, "%%%02X", (unsigned char) *c);
            s_put (writer, escaped, 3);
        }
    }
}

//  The key as it is, so a reader of the outbox (or of notify.list)
//  recognises it: every printable ASCII character but "%" stays; a
//  control character (a line end), a space, "%" and anything beyond ASCII
//  are escaped.
static void
s_header_key (writer_t *writer, const char *key)
{
    s_puts (writer, "X-WSIS-Key: ");
    for (const char *c = key? key: ""; *c; c++) {
        if (*c > ' ' && *c < 127 && *c != '%')
            s_put (writer, c, 1);
        else {
            char one [2] = { *c, 0 };
            s_put_escaped (writer, one);
        }
    }
    s_end_line (writer);
}

//  The length of text once s_put_escaped has written it
static size_t
s_escaped_length (const char *text)
{
    size_t length = 0;
    for (const char *c = text? text: ""; *c; c++)
        length += s_unreserved (*c)? 1: 3;
    return length;
}

//  RFC 8058: a mailto: URI and the one-click https URI, and the header
//  that says the https one takes a POST. The addresses come from the
//  configuration; they still lose anything that would end the <...>.
static void
s_header_unsubscribe (writer_t *writer, const notify_mail_t *mail)
{
    char *mailto = s_address (mail->unsubscribe_mailto);
    char *url = wsis_strdup (mail->unsubscribe_url? mail->unsubscribe_url: "");
    char *end = url;
    for (const char *c = url; *c; c++)
        if ((unsigned char) *c > 0x20 && (unsigned char) *c < 0x7F && !strchr ("<>\"", *c))
            *end++ = *c;
    *end = 0;
    size_t token = s_escaped_length (mail->unsubscribe_token);

    //  The first URI on the header's own line, however long: some
    //  parsers keep the white space of a fold right after the colon.
    s_puts (writer, "List-Unsubscribe:");
    if (*mailto) {
        s_puts (writer, " <mailto:");
        s_puts (writer, mailto);
        s_puts (writer, "?subject=unsubscribe%20");
        s_put_escaped (writer, mail->unsubscribe_token);
        s_puts (writer, *url? ">,": ">");
    }
    if (*url) {
        if (*mailto)
            s_space_before (writer, strlen ("<>") + strlen (url) + token, S_LINE_MAX);
        else
            s_puts (writer, " ");
        s_puts (writer, "<");
        s_puts (writer, url);
        s_put_escaped (writer, mail->unsubscribe_token);
        s_puts (writer, ">");
    }
    s_end_line (writer);
    if (*url) {
        s_puts (writer, "List-Unsubscribe-Post: List-Unsubscribe=One-Click");
        s_end_line (writer);
    }
    free (mailto);
    free (url);
}

//  --------------------------------------------------------------------------
//  The body

//  The length of the line at text, without its \n, nor a \r before it:
//  input with CRLF line ends gives the same message as with LF.
static size_t
s_line_length (const char *text, const char **next)
{
    const char *end = strchr (text, '\n');
    *next = end? end + 1: NULL;
    if (!end)
        end = text + strlen (text);
    if (end > text && end [-1] == '\r' && *next)
        end--;
    return (size_t) (end - text);
}

//  Whether the body can go out as 7bit (RFC 2045 section 2.7) and come
//  back exactly: printable ASCII and tabs only, lines of at most 76
//  octets (the rule of this service, well within 998), and no white
//  space at a line end, which some transports strip.
static bool
s_body_is_7bit (const char *body)
{
    const char *line = body;
    while (line) {
        const char *next;
        size_t length = s_line_length (line, &next);
        if (length > S_QP_LINE_MAX)
            return false;
        for (size_t i = 0; i < length; i++) {
            unsigned char c = (unsigned char) line [i];
            if ((c < 0x20 && c != '\t') || c >= 0x7F)
                return false;
        }
        if (length > 0 && (line [length - 1] == ' ' || line [length - 1] == '\t'))
            return false;
        line = next;
    }
    return true;
}

//  One line of the body in quoted-printable, RFC 2045 section 6.7:
//  printable ASCII but "=" as is, the rest as =XX, a space or tab at the
//  line end as =XX too (rule 3), and a soft line break "=" wherever the
//  encoded line would pass 76 characters, the "=" counted (rule 5).
static void
s_put_quoted_printable (zchunk_t *chunk, const char *line, size_t length)
{
    size_t column = 0;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char) line [i];
        bool last = i + 1 == length;
        char token [4];
        size_t size = 1;
        if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last))
            token [0] = (char) c;
        else
            size = (size_t) snprintf (token, sizeof token, "=%02X", c);
        //  Room for the soft break's "=" unless this ends the line
        if (column + size > S_QP_LINE_MAX - (last? 0: 1)) {
            zchunk_extend (chunk, "=\r\n", 3);
            column = 0;
        }
        zchunk_extend (chunk, token, size);
        column += size;
    }
}

//  The body, as it is or quoted-printable, line by line; hard line
//  breaks are CRLF.
static void
s_body (zchunk_t *chunk, const char *body, bool plain)
{
    const char *line = body;
    while (line) {
        const char *next;
        size_t length = s_line_length (line, &next);
        if (plain)
            zchunk_extend (chunk, line, length);
        else
            s_put_quoted_printable (chunk, line, length);
        if (next)
            zchunk_extend (chunk, "\r\n", 2);
        line = next;
    }
}

//  --------------------------------------------------------------------------

void
notify_message_id (const char *key, const char *from, char *buffer, size_t size)
{
    assert (size >= 128);
    //  SHA-256 needs no sodium_init: it has a single implementation.
    unsigned char digest [crypto_hash_sha256_BYTES];
    crypto_hash_sha256 (digest, (const unsigned char *) (key? key: ""), key? strlen (key): 0);
    char hex [33];
    sodium_bin2hex (hex, sizeof hex, digest, 16);

    //  The domain of from: after its last "@", up to ">", only the
    //  characters of a domain name, so it cannot break the header either.
    char domain [128] = "localhost";
    const char *at = from? strrchr (from, '@'): NULL;
    if (at) {
        size_t length = 0;
        for (const char *c = at + 1; *c && *c != '>' && length < sizeof domain - 1; c++)
            if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')
            ||  (*c >= '0' && *c <= '9') || *c == '-' || *c == '.')
                domain [length++] = *c;
        if (length > 0)
            domain [length] = 0;
    }
    //  32 digits, "<", "@", ">" and the NUL leave 92 for the domain
    snprintf (buffer, size, "<%s@%.92s>", hex, domain);
}

zchunk_t *
notify_message_build (const notify_mail_t *mail)
{
    assert (mail);
    writer_t writer = { zchunk_new (NULL, 2048), 0 };
    const char *body = mail->body? mail->body: "";

    s_header_from (&writer, mail->from? mail->from: "");
    s_header_address (&writer, "To", mail->to_name, mail->to_email);
    s_header_unstructured (&writer, "Subject", mail->subject);
    s_header_date (&writer, mail->date);

    char message_id [128];
    notify_message_id (mail->key, mail->from, message_id, sizeof message_id);
    s_puts (&writer, "Message-ID: ");
    s_puts (&writer, message_id);
    s_end_line (&writer);

    bool plain = s_body_is_7bit (body);
    s_puts (&writer, "MIME-Version: 1.0");
    s_end_line (&writer);
    s_puts (&writer, "Content-Type: text/plain; charset=UTF-8");
    s_end_line (&writer);
    s_puts (&writer, plain? "Content-Transfer-Encoding: 7bit":
                            "Content-Transfer-Encoding: quoted-printable");
    s_end_line (&writer);
    s_header_key (&writer, mail->key);
    if (mail->unsubscribe_token && *mail->unsubscribe_token)
        s_header_unsubscribe (&writer, mail);
    s_end_line (&writer);

    s_body (writer.chunk, body, plain);
    return writer.chunk;
}
