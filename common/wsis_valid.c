/*  wsis_valid: checks of single field values against the WSIS rules and
    taxonomy (docs/protocol.md section 5), plus the text measures the forms
    limit (words, characters) and the normal form used to spot duplicate
    submissions.

    Every function works on (pointer, length) because the strings come
    straight out of msgpack and are not NUL-terminated. Nothing here reads
    the locale: a service must judge the same text the same way whatever
    LANG its host was started with, so case and space are decided from
    Unicode tables below, never by tolower or isspace.
*/
#include "wsis_valid.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

const char *const wsis_categories [WSIS_CATEGORY_COUNT] = {
    "C1", "C2", "C3", "C4", "C5", "C6",
    "e-gov", "e-bus", "e-lea", "e-hea", "e-emp", "e-env", "e-agr", "e-sci",
    "C8", "C9", "C10", "C11"
};

const char *const wsis_stakeholder_types [5] = {
    "government", "private_sector", "civil_society", "academia",
    "international_organization"
};

const char *const wsis_regions [6] = {
    "africa", "americas", "arab_states", "asia_pacific", "cis", "europe"
};

const char *const wsis_genders [4] = {
    "female", "male", "non_binary", "undisclosed"
};

//  ISO 3166-1 alpha-2, officially assigned codes only (ISO/TC 46 N1127,
//  2024-02-29). User-assigned and reserved codes such as XK (Kosovo), EU
//  or UK are left out on purpose: a nominee's country must be one every
//  other system can resolve. Kept sorted for bsearch; the unit test
//  checks both the order and the count.
static const char s_countries [][2] = {
    {'A','D'},{'A','E'},{'A','F'},{'A','G'},{'A','I'},{'A','L'},{'A','M'},{'A','O'},
    {'A','Q'},{'A','R'},{'A','S'},{'A','T'},{'A','U'},{'A','W'},{'A','X'},{'A','Z'},
    {'B','A'},{'B','B'},{'B','D'},{'B','E'},{'B','F'},{'B','G'},{'B','H'},{'B','I'},
    {'B','J'},{'B','L'},{'B','M'},{'B','N'},{'B','O'},{'B','Q'},{'B','R'},{'B','S'},
    {'B','T'},{'B','V'},{'B','W'},{'B','Y'},{'B','Z'},
    {'C','A'},{'C','C'},{'C','D'},{'C','F'},{'C','G'},{'C','H'},{'C','I'},{'C','K'},
    {'C','L'},{'C','M'},{'C','N'},{'C','O'},{'C','R'},{'C','U'},{'C','V'},{'C','W'},
    {'C','X'},{'C','Y'},{'C','Z'},
    {'D','E'},{'D','J'},{'D','K'},{'D','M'},{'D','O'},{'D','Z'},
    {'E','C'},{'E','E'},{'E','G'},{'E','H'},{'E','R'},{'E','S'},{'E','T'},
    {'F','I'},{'F','J'},{'F','K'},{'F','M'},{'F','O'},{'F','R'},
    {'G','A'},{'G','B'},{'G','D'},{'G','E'},{'G','F'},{'G','G'},{'G','H'},{'G','I'},
    {'G','L'},{'G','M'},{'G','N'},{'G','P'},{'G','Q'},{'G','R'},{'G','S'},{'G','T'},
    {'G','U'},{'G','W'},{'G','Y'},
    {'H','K'},{'H','M'},{'H','N'},{'H','R'},{'H','T'},{'H','U'},
    {'I','D'},{'I','E'},{'I','L'},{'I','M'},{'I','N'},{'I','O'},{'I','Q'},{'I','R'},
    {'I','S'},{'I','T'},
    {'J','E'},{'J','M'},{'J','O'},{'J','P'},
    {'K','E'},{'K','G'},{'K','H'},{'K','I'},{'K','M'},{'K','N'},{'K','P'},{'K','R'},
    {'K','W'},{'K','Y'},{'K','Z'},
    {'L','A'},{'L','B'},{'L','C'},{'L','I'},{'L','K'},{'L','R'},{'L','S'},{'L','T'},
    {'L','U'},{'L','V'},{'L','Y'},
    {'M','A'},{'M','C'},{'M','D'},{'M','E'},{'M','F'},{'M','G'},{'M','H'},{'M','K'},
    {'M','L'},{'M','M'},{'M','N'},{'M','O'},{'M','P'},{'M','Q'},{'M','R'},{'M','S'},
    {'M','T'},{'M','U'},{'M','V'},{'M','W'},{'M','X'},{'M','Y'},{'M','Z'},
    {'N','A'},{'N','C'},{'N','E'},{'N','F'},{'N','G'},{'N','I'},{'N','L'},{'N','O'},
    {'N','P'},{'N','R'},{'N','U'},{'N','Z'},
    {'O','M'},
    {'P','A'},{'P','E'},{'P','F'},{'P','G'},{'P','H'},{'P','K'},{'P','L'},{'P','M'},
    {'P','N'},{'P','R'},{'P','S'},{'P','T'},{'P','W'},{'P','Y'},
    {'Q','A'},
    {'R','E'},{'R','O'},{'R','S'},{'R','U'},{'R','W'},
    {'S','A'},{'S','B'},{'S','C'},{'S','D'},{'S','E'},{'S','G'},{'S','H'},{'S','I'},
    {'S','J'},{'S','K'},{'S','L'},{'S','M'},{'S','N'},{'S','O'},{'S','R'},{'S','S'},
    {'S','T'},{'S','V'},{'S','X'},{'S','Y'},{'S','Z'},
    {'T','C'},{'T','D'},{'T','F'},{'T','G'},{'T','H'},{'T','J'},{'T','K'},{'T','L'},
    {'T','M'},{'T','N'},{'T','O'},{'T','R'},{'T','T'},{'T','V'},{'T','W'},{'T','Z'},
    {'U','A'},{'U','G'},{'U','M'},{'U','S'},{'U','Y'},{'U','Z'},
    {'V','A'},{'V','C'},{'V','E'},{'V','G'},{'V','I'},{'V','N'},{'V','U'},
    {'W','F'},{'W','S'},
    {'Y','E'},{'Y','T'},
    {'Z','A'},{'Z','M'},{'Z','W'}
};

#define S_COUNTRY_COUNT (sizeof (s_countries) / sizeof (s_countries [0]))
_Static_assert (S_COUNTRY_COUNT == 249, "ISO 3166-1 assigns 249 alpha-2 codes");

//  Folding of U+00C0..U+017F (the upper half of Latin-1 Supplement and all
//  of Latin Extended-A) for duplicate detection: one ASCII letter per code
//  point, '*' where the letter folds to two letters (s_fold_pair), '-'
//  where the code point is not a letter (multiplication and division signs)
//  and is copied as is. Letters without an accent that have a customary
//  ASCII spelling get it (eth -> d, thorn -> th, dotless i -> i), so that
//  "Þórður" and "Thordur" typed by two proposers collide as they should.
static const char s_latin_fold [] =
    //  U+00C0..U+00DF  ÀÁÂÃÄÅÆÇ ÈÉÊËÌÍÎÏ ÐÑÒÓÔÕÖ× ØÙÚÛÜÝÞß
    "aaaaaa*c" "eeeeiiii" "dnooooo-" "ouuuuy**"
    //  U+00E0..U+00FF  àáâãäåæç èéêëìíîï ðñòóôõö÷ øùúûüýþÿ
    "aaaaaa*c" "eeeeiiii" "dnooooo-" "ouuuuy*y"
    //  U+0100..U+017F  Latin Extended-A, eight code points per group
    "aaaaaacc" "ccccccdd" "ddeeeeee" "eeeegggg"     //  U+0100..U+011F
    "gggghhhh" "iiiiiiii" "ii**jjkk" "klllllll"     //  U+0120..U+013F
    "lllnnnnn" "nnnnoooo" "oo**rrrr" "rrssssss"     //  U+0140..U+015F
    "sstttttt" "uuuuuuuu" "uuuuwwyy" "yzzzzzzs";    //  U+0160..U+017F

_Static_assert (sizeof (s_latin_fold) == 0x180 - 0xC0 + 1,
                "one fold letter per code point U+00C0..U+017F");

#define S_FOLD_FIRST 0xC0
#define S_FOLD_LAST  0x17F


//  --------------------------------------------------------------------------
//  Decodes one well-formed UTF-8 sequence at p (Unicode Table 3-7: no
//  overlongs, no surrogates, nothing above U+10FFFF). Returns its length
//  and stores the code point, or returns 0 when the bytes are malformed.

static size_t
s_decode (const unsigned char *p, size_t len, uint32_t *code_point)
{
    assert (len > 0);
    unsigned char lead = p [0];
    if (lead < 0x80) {
        *code_point = lead;
        return 1;
    }
    //  The second byte's range is what excludes overlongs (E0, F0),
    //  surrogates (ED) and code points past U+10FFFF (F4)
    unsigned char low = 0x80, high = 0xBF;
    size_t length;
    uint32_t value;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        value = lead & 0x1F;
    }
    else
    if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        value = lead & 0x0F;
        if (lead == 0xE0)
            low = 0xA0;
        else
        if (lead == 0xED)
            high = 0x9F;
    }
    else
    if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        value = lead & 0x07;
        if (lead == 0xF0)
            low = 0x90;
        else
        if (lead == 0xF4)
            high = 0x8F;
    }
    else
        return 0;               //  C0, C1, F5..FF, or a stray continuation

    if (len < length || p [1] < low || p [1] > high)
        return 0;
    value = (value << 6) | (p [1] & 0x3F);
    for (size_t index = 2; index < length; index++) {
        if ((p [index] & 0xC0) != 0x80)
            return 0;
        value = (value << 6) | (p [index] & 0x3F);
    }
    *code_point = value;
    return length;
}

//  How many bytes from p on are ASCII, a word at a time: most text the
//  services check is ids and codes, and a code point at a time cost a
//  vote ~3,600 instructions.
static size_t
s_ascii_run (const unsigned char *p, size_t len)
{
    size_t offset = 0;
    while (offset + 8 <= len) {
        uint64_t word;
        memcpy (&word, p + offset, sizeof word);
        if (word & UINT64_C (0x8080808080808080))
            break;
        offset += 8;
    }
    while (offset < len && p [offset] < 0x80)
        offset++;
    return offset;
}


//  --------------------------------------------------------------------------
//  Steps over one character: a well-formed sequence, or a single byte of a
//  malformed one. The measures below never fail on bad input, they count
//  each stray byte as a character of its own; wsis_msg has already
//  rejected such text before any operation sees it.

static size_t
s_next (const char *s, size_t len, size_t offset, uint32_t *code_point)
{
    const unsigned char *p = (const unsigned char *) s + offset;
    size_t length = s_decode (p, len - offset, code_point);
    if (length == 0) {
        *code_point = 0xFFFD;   //  replacement character: not a space
        length = 1;
    }
    return length;
}


//  --------------------------------------------------------------------------
//  Unicode White_Space property (PropList.txt). A form pasted from a word
//  processor is full of no-break and thin spaces; they must separate words
//  just as ASCII space does, or the word limit could be dodged.

static bool
s_is_space (uint32_t code_point)
{
    return (code_point >= 0x09 && code_point <= 0x0D)
        || code_point == 0x20
        || code_point == 0x85
        || code_point == 0xA0
        || code_point == 0x1680
        || (code_point >= 0x2000 && code_point <= 0x200A)
        || code_point == 0x2028
        || code_point == 0x2029
        || code_point == 0x202F
        || code_point == 0x205F
        || code_point == 0x3000;
}


//  --------------------------------------------------------------------------
//  ASCII punctuation, as ispunct would say in the C locale.

static bool
s_is_punct (uint32_t code_point)
{
    return (code_point >= 0x21 && code_point <= 0x2F)
        || (code_point >= 0x3A && code_point <= 0x40)
        || (code_point >= 0x5B && code_point <= 0x60)
        || (code_point >= 0x7B && code_point <= 0x7E);
}


//  --------------------------------------------------------------------------
//  Exact match of (s, len) against a table of NUL-terminated codes.

static int
s_lookup (const char *const *table, size_t count, const char *s, size_t len)
{
    if (!s)
        return -1;
    for (size_t index = 0; index < count; index++)
        if (strlen (table [index]) == len && memcmp (table [index], s, len) == 0)
            return (int) index;
    return -1;
}


static int
s_country_compare (const void *key, const void *member)
{
    return memcmp (key, member, 2);
}


static bool
s_is_ascii_alnum (char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}


//  --------------------------------------------------------------------------
//  A character of RFC 5322 atext, the dot-atom of a local part. Quoted
//  local parts are not accepted: nobody types them into a nomination form
//  and they would let spaces and '@' into the notification mailer.

static bool
s_is_atext (char c)
{
    return s_is_ascii_alnum (c) || (c && strchr ("!#$%&'*+-/=?^_`{|}~", c));
}


bool
wsis_valid_utf8 (const char *s, size_t len)
{
    if (!s)
        return len == 0;
    const unsigned char *p = (const unsigned char *) s;
    size_t offset = s_ascii_run (p, len);
    while (offset < len) {
        uint32_t code_point;
        size_t length = s_decode (p + offset, len - offset, &code_point);
        if (length == 0)
            return false;
        offset += length;
        offset += s_ascii_run (p + offset, len - offset);
    }
    return true;
}


bool
wsis_valid_email (const char *s, size_t len)
{
    //  254 is the longest address that fits in an SMTP forward-path
    //  (RFC 5321 4.5.3.1.3, with errata 1690)
    if (!s || len == 0 || len > 254)
        return false;

    const char *at = memchr (s, '@', len);
    if (!at)
        return false;
    size_t local_len = (size_t) (at - s);
    const char *domain = at + 1;
    size_t domain_len = len - local_len - 1;

    //  Local part: dot-atom, 1..64 octets (RFC 5321 4.5.3.1.1)
    if (local_len == 0 || local_len > 64)
        return false;
    if (s [0] == '.' || s [local_len - 1] == '.')
        return false;
    for (size_t index = 0; index < local_len; index++) {
        if (s [index] == '.') {
            if (s [index + 1] == '.')
                return false;
        }
        else
        if (!s_is_atext (s [index]))
            return false;
    }

    //  Domain: at least two LDH labels of 1..63 octets, none starting or
    //  ending with a hyphen. A second '@' fails here as a bad character.
    size_t labels = 0;
    size_t label_start = 0;
    for (size_t index = 0; index <= domain_len; index++) {
        if (index == domain_len || domain [index] == '.') {
            size_t label_len = index - label_start;
            if (label_len == 0 || label_len > 63)
                return false;
            if (domain [label_start] == '-' || domain [index - 1] == '-')
                return false;
            labels++;
            label_start = index + 1;
        }
        else
        if (!s_is_ascii_alnum (domain [index]) && domain [index] != '-')
            return false;
    }
    return labels >= 2;
}


bool
wsis_valid_country (const char *s, size_t len)
{
    if (!s || len != 2)
        return false;
    return bsearch (s, s_countries, S_COUNTRY_COUNT, sizeof (s_countries [0]),
                    s_country_compare) != NULL;
}


int
wsis_valid_category (const char *s, size_t len)
{
    return s_lookup (wsis_categories, WSIS_CATEGORY_COUNT, s, len);
}


bool
wsis_valid_sdg (int64_t sdg)
{
    return sdg >= 1 && sdg <= WSIS_SDG_COUNT;
}


bool
wsis_valid_stakeholder_type (const char *s, size_t len)
{
    return s_lookup (wsis_stakeholder_types, 5, s, len) >= 0;
}


bool
wsis_valid_region (const char *s, size_t len)
{
    return s_lookup (wsis_regions, 6, s, len) >= 0;
}


bool
wsis_valid_gender (const char *s, size_t len)
{
    return s_lookup (wsis_genders, 4, s, len) >= 0;
}


size_t
wsis_valid_word_count (const char *s, size_t len)
{
    if (!s)
        return 0;
    size_t words = 0;
    bool in_word = false;
    size_t offset = 0;
    while (offset < len) {
        uint32_t code_point;
        offset += s_next (s, len, offset, &code_point);
        if (s_is_space (code_point))
            in_word = false;
        else
        if (!in_word) {
            in_word = true;
            words++;
        }
    }
    return words;
}


size_t
wsis_valid_char_count (const char *s, size_t len)
{
    if (!s)
        return 0;
    size_t chars = s_ascii_run ((const unsigned char *) s, len);
    size_t offset = chars;
    while (offset < len) {
        uint32_t code_point;
        offset += s_next (s, len, offset, &code_point);
        chars++;
        size_t ascii = s_ascii_run ((const unsigned char *) s + offset, len - offset);
        offset += ascii;
        chars += ascii;
    }
    return chars;
}


bool
wsis_valid_non_blank (const char *s, size_t len)
{
    if (!s)
        return false;
    size_t offset = 0;
    while (offset < len) {
        uint32_t code_point;
        offset += s_next (s, len, offset, &code_point);
        if (!s_is_space (code_point))
            return true;
    }
    return false;
}


//  --------------------------------------------------------------------------
//  The two-letter folds of s_latin_fold.

static const char *
s_fold_pair (uint32_t code_point)
{
    switch (code_point) {
        case 0xC6: case 0xE6:   return "ae";
        case 0xDE: case 0xFE:   return "th";
        case 0xDF:              return "ss";
        case 0x132: case 0x133: return "ij";
        case 0x152: case 0x153: return "oe";
        default:                return NULL;
    }
}


char *
wsis_valid_normalize (const char *s, size_t len)
{
    if (!s)
        len = 0;
    //  No code point grows when folded (every two-letter fold replaces a
    //  two-byte sequence, every separator run becomes one byte), so the
    //  input length bounds the output
    char *normal = malloc (len + 1);
    if (!normal)
        return NULL;

    size_t out = 0;
    //  A separator is only written when a word follows it, which both
    //  collapses runs and trims the ends
    bool separator_pending = false;
    size_t offset = 0;
    while (offset < len) {
        uint32_t code_point;
        size_t start = offset;
        offset += s_next (s, len, offset, &code_point);

        if (s_is_space (code_point) || s_is_punct (code_point)) {
            separator_pending = true;
            continue;
        }
        if (separator_pending && out > 0)
            normal [out++] = ' ';
        separator_pending = false;

        if (code_point >= 'A' && code_point <= 'Z')
            normal [out++] = (char) (code_point - 'A' + 'a');
        else
        if (code_point >= S_FOLD_FIRST && code_point <= S_FOLD_LAST
        &&  s_latin_fold [code_point - S_FOLD_FIRST] != '-') {
            char letter = s_latin_fold [code_point - S_FOLD_FIRST];
            if (letter == '*') {
                const char *pair = s_fold_pair (code_point);
                assert (pair);
                normal [out++] = pair [0];
                normal [out++] = pair [1];
            }
            else
                normal [out++] = letter;
        }
        else {
            //  Everything else, including malformed bytes, is kept verbatim
            memcpy (normal + out, s + start, offset - start);
            out += offset - start;
        }
    }
    assert (out <= len);
    normal [out] = 0;
    return normal;
}
