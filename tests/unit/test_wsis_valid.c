/*  test_wsis_valid: field checks, text measures and the duplicate-detection
    normal form, with the malformed and borderline inputs a form will send.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "wsis_valid.h"

//  Most inputs are literals; the length excludes the terminating NUL so
//  embedded NULs and non-terminated slices can be written the same way
#define LIT(s) (s), (sizeof (s) - 1)


static void
test_categories (void **state)
{
    const char *expected [WSIS_CATEGORY_COUNT] = {
        "C1", "C2", "C3", "C4", "C5", "C6",
        "e-gov", "e-bus", "e-lea", "e-hea", "e-emp", "e-env", "e-agr", "e-sci",
        "C8", "C9", "C10", "C11"
    };
    for (int index = 0; index < WSIS_CATEGORY_COUNT; index++) {
        assert_string_equal (wsis_categories [index], expected [index]);
        assert_int_equal (wsis_valid_category (expected [index], strlen (expected [index])),
                          index);
    }
    //  C7 (ethics) was folded into others in the WSIS-SDG matrix; exact
    //  case only; no padding
    assert_int_equal (wsis_valid_category (LIT ("C7")), -1);
    assert_int_equal (wsis_valid_category (LIT ("C12")), -1);
    assert_int_equal (wsis_valid_category (LIT ("c1")), -1);
    assert_int_equal (wsis_valid_category (LIT ("E-gov")), -1);
    assert_int_equal (wsis_valid_category (LIT ("e-gov ")), -1);
    assert_int_equal (wsis_valid_category (LIT ("egov")), -1);
    assert_int_equal (wsis_valid_category (LIT ("")), -1);
    assert_int_equal (wsis_valid_category (NULL, 0), -1);
    //  A prefix of a longer code is judged by its length alone
    assert_int_equal (wsis_valid_category ("C10", 2), 0);
    assert_int_equal (wsis_valid_category ("C1\0", 3), -1);
}


static void
test_sdg (void **state)
{
    for (int64_t sdg = 1; sdg <= 17; sdg++)
        assert_true (wsis_valid_sdg (sdg));
    assert_false (wsis_valid_sdg (0));
    assert_false (wsis_valid_sdg (18));
    assert_false (wsis_valid_sdg (-1));
    assert_false (wsis_valid_sdg (INT64_MIN));
    assert_false (wsis_valid_sdg (INT64_MAX));
}


static void
test_enumerations (void **state)
{
    for (size_t index = 0; index < 5; index++)
        assert_true (wsis_valid_stakeholder_type (wsis_stakeholder_types [index],
                                                  strlen (wsis_stakeholder_types [index])));
    assert_true (wsis_valid_stakeholder_type (LIT ("international_organization")));
    assert_false (wsis_valid_stakeholder_type (LIT ("private sector")));
    assert_false (wsis_valid_stakeholder_type (LIT ("Government")));
    assert_false (wsis_valid_stakeholder_type (LIT ("")));

    for (size_t index = 0; index < 6; index++)
        assert_true (wsis_valid_region (wsis_regions [index], strlen (wsis_regions [index])));
    assert_true (wsis_valid_region (LIT ("arab_states")));
    assert_false (wsis_valid_region (LIT ("antarctica")));
    assert_false (wsis_valid_region (LIT ("Europe")));
    assert_false (wsis_valid_region ("europe", 5));

    for (size_t index = 0; index < 4; index++)
        assert_true (wsis_valid_gender (wsis_genders [index], strlen (wsis_genders [index])));
    assert_true (wsis_valid_gender (LIT ("non_binary")));
    assert_false (wsis_valid_gender (LIT ("non-binary")));
    assert_false (wsis_valid_gender (LIT ("other")));
    assert_false (wsis_valid_gender (NULL, 0));
}


static void
test_countries (void **state)
{
    assert_true (wsis_valid_country (LIT ("CH")));
    assert_true (wsis_valid_country (LIT ("US")));
    assert_true (wsis_valid_country (LIT ("GB")));
    assert_true (wsis_valid_country (LIT ("SS")));       //  South Sudan, 2011
    assert_true (wsis_valid_country (LIT ("AD")));       //  first of the table
    assert_true (wsis_valid_country (LIT ("ZW")));       //  last of the table
    assert_true (wsis_valid_country ("CHE", 2));         //  a slice
    //  User-assigned or reserved, not assigned
    assert_false (wsis_valid_country (LIT ("XK")));
    assert_false (wsis_valid_country (LIT ("UK")));
    assert_false (wsis_valid_country (LIT ("EU")));
    assert_false (wsis_valid_country (LIT ("AN")));      //  withdrawn 2010
    assert_false (wsis_valid_country (LIT ("YU")));
    assert_false (wsis_valid_country (LIT ("ch")));
    assert_false (wsis_valid_country (LIT ("Ch")));
    assert_false (wsis_valid_country (LIT ("CHE")));
    assert_false (wsis_valid_country (LIT ("C")));
    assert_false (wsis_valid_country (LIT ("")));
    assert_false (wsis_valid_country (NULL, 0));
    assert_false (wsis_valid_country (LIT ("\xc3\x89")));

    //  Exactly 249 two-letter codes pass, which also proves the table is
    //  sorted: bsearch would miss some codes otherwise
    size_t accepted = 0;
    for (char first = 'A'; first <= 'Z'; first++)
        for (char second = 'A'; second <= 'Z'; second++) {
            char code [2] = { first, second };
            if (wsis_valid_country (code, 2))
                accepted++;
        }
    assert_int_equal (accepted, 249);
}


static void
test_email_good (void **state)
{
    assert_true (wsis_valid_email (LIT ("a@b.co")));
    assert_true (wsis_valid_email (LIT ("ann.smith@itu.int")));
    assert_true (wsis_valid_email (LIT ("first.last+wsis@mail.example.org")));
    assert_true (wsis_valid_email (LIT ("o'brien@example.ie")));
    assert_true (wsis_valid_email (LIT ("x-y_z@sub-domain.example.com")));
    assert_true (wsis_valid_email (LIT ("1234@123.example")));
    //  A slice: the rest of the buffer is not part of the address
    assert_true (wsis_valid_email ("a@b.co garbage", 6));
}


static void
test_email_bad (void **state)
{
    assert_false (wsis_valid_email (LIT ("")));
    assert_false (wsis_valid_email (NULL, 0));
    assert_false (wsis_valid_email (LIT ("example.com")));              //  no @
    assert_false (wsis_valid_email (LIT ("a@b@example.com")));          //  two @
    assert_false (wsis_valid_email (LIT ("a@@example.com")));
    assert_false (wsis_valid_email (LIT ("@example.com")));             //  empty local
    assert_false (wsis_valid_email (LIT ("a@")));                       //  empty domain
    assert_false (wsis_valid_email (LIT ("ann smith@example.com")));    //  spaces
    assert_false (wsis_valid_email (LIT (" ann@example.com")));
    assert_false (wsis_valid_email (LIT ("ann@example.com ")));
    assert_false (wsis_valid_email (LIT ("ann@exa mple.com")));
    assert_false (wsis_valid_email (LIT ("ann@localhost")));            //  no dot
    assert_false (wsis_valid_email (LIT ("ann@-example.com")));         //  hyphen first
    assert_false (wsis_valid_email (LIT ("ann@example-.com")));         //  hyphen last
    assert_false (wsis_valid_email (LIT ("ann@example.-com")));
    assert_false (wsis_valid_email (LIT ("ann@example..com")));         //  empty label
    assert_false (wsis_valid_email (LIT ("ann@.example.com")));
    assert_false (wsis_valid_email (LIT ("ann@example.com.")));
    assert_false (wsis_valid_email (LIT (".ann@example.com")));
    assert_false (wsis_valid_email (LIT ("ann.@example.com")));
    assert_false (wsis_valid_email (LIT ("ann..smith@example.com")));
    assert_false (wsis_valid_email (LIT ("ann@exa_mple.com")));
    assert_false (wsis_valid_email (LIT ("Ann <ann@example.com>")));    //  display name
    assert_false (wsis_valid_email (LIT ("\"ann\"@example.com")));      //  quoted local
    assert_false (wsis_valid_email (LIT ("ren\xc3\xa9@example.com")));  //  not ASCII
    assert_false (wsis_valid_email (LIT ("ann@exampl\xc3\xa9.com")));
    assert_false (wsis_valid_email (LIT ("ann\0@example.com")));
}


//  Builds l...l@d...d.d...d with the given local part and label lengths.
static size_t
s_build_address (char *address, size_t local_len, const size_t *labels, size_t label_count)
{
    memset (address, 'l', local_len);
    size_t length = local_len;
    address [length++] = '@';
    for (size_t index = 0; index < label_count; index++) {
        if (index > 0)
            address [length++] = '.';
        memset (address + length, 'd', labels [index]);
        length += labels [index];
    }
    return length;
}


static void
test_email_lengths (void **state)
{
    char address [300];
    const size_t short_domain [] = { 1, 2 };
    assert_true (wsis_valid_email (address, s_build_address (address, 64, short_domain, 2)));
    assert_false (wsis_valid_email (address, s_build_address (address, 65, short_domain, 2)));

    const size_t label_63 [] = { 63, 2 };
    const size_t label_64 [] = { 64, 2 };
    assert_true (wsis_valid_email (address, s_build_address (address, 1, label_63, 2)));
    assert_false (wsis_valid_email (address, s_build_address (address, 1, label_64, 2)));

    //  64 + 1 + (63 + 1 + 63 + 1 + 61) = 254, the most there may be
    const size_t domain_189 [] = { 63, 63, 61 };
    const size_t domain_190 [] = { 63, 63, 62 };
    size_t length = s_build_address (address, 64, domain_189, 3);
    assert_int_equal (length, 254);
    assert_true (wsis_valid_email (address, length));
    length = s_build_address (address, 64, domain_190, 3);
    assert_int_equal (length, 255);
    assert_false (wsis_valid_email (address, length));
}


//  ASCII is skipped eight bytes at a time: a bad or a good sequence is
//  found at every place in and after such runs, and a check never reads
//  past its length.
static void
test_utf8_after_ascii_runs (void **state)
{
    char text [40];
    for (size_t at = 0; at < 24; at++) {
        memset (text, 'a', sizeof text);
        memcpy (text + at, "\xc3\xa9", 2);               //  U+00E9
        assert_true (wsis_valid_utf8 (text, at + 2));
        assert_true (wsis_valid_utf8 (text, sizeof text));
        assert_false (wsis_valid_utf8 (text, at + 1));    //  cut in its middle
        text [at] = (char) 0xc0;                          //  an overlong lead
        assert_false (wsis_valid_utf8 (text, sizeof text));
        text [at] = (char) 0x80;                          //  a lone continuation
        assert_false (wsis_valid_utf8 (text, sizeof text));
        //  What lies past the length is not read.
        assert_true (wsis_valid_utf8 (text, at));
    }
}


static void
test_utf8 (void **state)
{
    assert_true (wsis_valid_utf8 (LIT ("")));
    assert_true (wsis_valid_utf8 (NULL, 0));
    assert_true (wsis_valid_utf8 (LIT ("plain ASCII")));
    assert_true (wsis_valid_utf8 (LIT ("a\0b")));                       //  U+0000 is valid
    assert_true (wsis_valid_utf8 (LIT ("caf\xc3\xa9")));                //  U+00E9
    assert_true (wsis_valid_utf8 (LIT ("\xc2\x80")));                   //  U+0080
    assert_true (wsis_valid_utf8 (LIT ("\xdf\xbf")));                   //  U+07FF
    assert_true (wsis_valid_utf8 (LIT ("\xe0\xa0\x80")));               //  U+0800
    assert_true (wsis_valid_utf8 (LIT ("\xe2\x82\xac")));               //  U+20AC
    assert_true (wsis_valid_utf8 (LIT ("\xed\x9f\xbf")));               //  U+D7FF
    assert_true (wsis_valid_utf8 (LIT ("\xee\x80\x80")));               //  U+E000
    assert_true (wsis_valid_utf8 (LIT ("\xef\xbf\xbf")));               //  U+FFFF
    assert_true (wsis_valid_utf8 (LIT ("\xf0\x90\x80\x80")));           //  U+10000
    assert_true (wsis_valid_utf8 (LIT ("\xf0\x9d\x84\x9e")));           //  U+1D11E
    assert_true (wsis_valid_utf8 (LIT ("\xf4\x8f\xbf\xbf")));           //  U+10FFFF

    assert_false (wsis_valid_utf8 (LIT ("\xc0\x80")));                  //  overlong NUL
    assert_false (wsis_valid_utf8 (LIT ("\xc1\xbf")));                  //  overlong
    assert_false (wsis_valid_utf8 (LIT ("\xe0\x80\x80")));              //  overlong
    assert_false (wsis_valid_utf8 (LIT ("\xe0\x9f\xbf")));              //  overlong
    assert_false (wsis_valid_utf8 (LIT ("\xf0\x80\x80\x80")));          //  overlong
    assert_false (wsis_valid_utf8 (LIT ("\xf0\x8f\xbf\xbf")));          //  overlong
    assert_false (wsis_valid_utf8 (LIT ("\xed\xa0\x80")));              //  U+D800
    assert_false (wsis_valid_utf8 (LIT ("\xed\xbf\xbf")));              //  U+DFFF
    assert_false (wsis_valid_utf8 (LIT ("\xf4\x90\x80\x80")));          //  U+110000
    assert_false (wsis_valid_utf8 (LIT ("\xf5\x80\x80\x80")));
    assert_false (wsis_valid_utf8 (LIT ("\xff")));
    assert_false (wsis_valid_utf8 (LIT ("\xfe")));
    assert_false (wsis_valid_utf8 (LIT ("\x80")));                      //  stray continuation
    assert_false (wsis_valid_utf8 (LIT ("ab\xbf" "cd")));
    assert_false (wsis_valid_utf8 (LIT ("\xe2\x82")));                  //  cut short
    assert_false (wsis_valid_utf8 (LIT ("\xe2\x82" "a")));
    assert_false (wsis_valid_utf8 (LIT ("\xf0\x9d\x84")));
    assert_false (wsis_valid_utf8 (LIT ("\xc3")));
    assert_false (wsis_valid_utf8 (LIT ("\xc3\xc3\xa9")));
    //  Cut in the middle of a valid sequence by the length, not by a NUL
    assert_false (wsis_valid_utf8 ("\xe2\x82\xac", 2));

    //  ASCII is read a word at a time: a bad byte is found wherever it
    //  falls in or after the words, and so is a good sequence between them
    char text [40];
    for (size_t at = 0; at < 32; at++) {
        memset (text, 'a', sizeof text);
        text [at] = (char) 0xff;
        assert_false (wsis_valid_utf8 (text, sizeof text));
        assert_true (wsis_valid_utf8 (text, at));
        text [at] = (char) 0xc3;
        text [at + 1] = (char) 0xa9;
        assert_true (wsis_valid_utf8 (text, sizeof text));
        assert_false (wsis_valid_utf8 (text, at + 1));
        text [at + 8] = (char) 0x80;
        assert_false (wsis_valid_utf8 (text, sizeof text));
    }
}


static void
test_word_count (void **state)
{
    assert_int_equal (wsis_valid_word_count (LIT ("")), 0);
    assert_int_equal (wsis_valid_word_count (NULL, 0), 0);
    assert_int_equal (wsis_valid_word_count (LIT ("   \t\n ")), 0);
    assert_int_equal (wsis_valid_word_count (LIT ("one")), 1);
    assert_int_equal (wsis_valid_word_count (LIT ("one two")), 2);
    assert_int_equal (wsis_valid_word_count (LIT ("  one  two\tthree\r\nfour\v\ffive  ")), 5);
    //  Punctuation does not split words
    assert_int_equal (wsis_valid_word_count (LIT ("e-government, well-being.")), 2);
    //  U+00A0 no-break space
    assert_int_equal (wsis_valid_word_count (LIT ("one\xc2\xa0two")), 2);
    //  U+2003 em space, U+2009 thin space, U+200A hair space
    assert_int_equal (wsis_valid_word_count (LIT ("a\xe2\x80\x83" "b\xe2\x80\x89" "c\xe2\x80\x8a" "d")), 4);
    //  U+3000 ideographic space, U+2028 line separator, U+0085 NEL,
    //  U+202F narrow no-break space, U+1680 ogham space mark
    assert_int_equal (wsis_valid_word_count (LIT ("a\xe3\x80\x80" "b\xe2\x80\xa8" "c\xc2\x85" "d\xe2\x80\xaf" "e\xe1\x9a\x80" "f")), 6);
    //  A run of mixed spaces is one separator
    assert_int_equal (wsis_valid_word_count (LIT (" \xc2\xa0\t\xe3\x80\x80 x \xe2\x80\x80\n")), 1);
    //  U+200B zero width space is not White_Space: one word
    assert_int_equal (wsis_valid_word_count (LIT ("a\xe2\x80\x8b" "b")), 1);
    //  Accented and non-Latin words
    assert_int_equal (wsis_valid_word_count (LIT ("na\xc3\xafve caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac")), 3);
    //  Malformed bytes are not spaces
    assert_int_equal (wsis_valid_word_count (LIT ("\xff \xc0\x80")), 2);
    //  Only the slice counts
    assert_int_equal (wsis_valid_word_count ("one two three", 7), 2);
}


static void
test_char_count (void **state)
{
    assert_int_equal (wsis_valid_char_count (LIT ("")), 0);
    assert_int_equal (wsis_valid_char_count (LIT ("abc")), 3);
    assert_int_equal (wsis_valid_char_count (LIT ("h\xc3\xa9llo")), 5);
    assert_int_equal (wsis_valid_char_count (LIT ("\xe2\x82\xac" "5")), 2);
    assert_int_equal (wsis_valid_char_count (LIT ("\xf0\x9d\x84\x9e")), 1);
    assert_int_equal (wsis_valid_char_count (LIT ("a\0b")), 3);
    //  Runs of ASCII longer than a word, around sequences
    assert_int_equal (wsis_valid_char_count (LIT ("abcdefghijklmnop\xc3\xa9qrstuvwxyz0123\xe2\x82\xac")), 32);
    assert_int_equal (wsis_valid_char_count (LIT ("\xc3\xa9" "abcdefgh" "\xc3\xa9" "abcdefghi")), 19);
    //  Each byte of a malformed sequence is one character
    assert_int_equal (wsis_valid_char_count (LIT ("\xff\xc0\x80")), 3);
    assert_int_equal (wsis_valid_char_count (LIT ("\xe2\x82")), 2);
}


static void
test_non_blank (void **state)
{
    assert_false (wsis_valid_non_blank (LIT ("")));
    assert_false (wsis_valid_non_blank (NULL, 0));
    assert_false (wsis_valid_non_blank (LIT (" \t\r\n")));
    assert_false (wsis_valid_non_blank (LIT ("\xc2\xa0\xe3\x80\x80\xe2\x80\x82")));
    assert_true (wsis_valid_non_blank (LIT ("  a  ")));
    assert_true (wsis_valid_non_blank (LIT ("\xc2\xa0.")));
    assert_true (wsis_valid_non_blank (LIT ("\xe2\x80\x8b")));          //  U+200B
    assert_false (wsis_valid_non_blank ("   x", 3));
}


static void
s_expect_normal (const char *input, size_t len, const char *expected)
{
    char *normal = wsis_valid_normalize (input, len);
    assert_non_null (normal);
    assert_string_equal (normal, expected);
    free (normal);
}

#define EXPECT_NORMAL(input, expected) s_expect_normal (LIT (input), (expected))


static void
test_normalize (void **state)
{
    EXPECT_NORMAL ("\xc3\x89milie \xc3\x87" "a", "emilie ca");
    EXPECT_NORMAL ("Hello, World!", "hello world");
    EXPECT_NORMAL ("  \t Hello ,,,  World !!  \n", "hello world");
    EXPECT_NORMAL ("Stra\xc3\x9f" "e", "strasse");
    EXPECT_NORMAL ("\xc3\x86sir \xc5\x92uvre \xc3\xa6 \xc5\x93", "aesir oeuvre ae oe");
    EXPECT_NORMAL ("\xc5\x81\xc3\xb3" "d\xc5\xba", "lodz");                 //  Łódź
    EXPECT_NORMAL ("\xc5\x81\xc3\x93" "D\xc5\xb9", "lodz");                 //  ŁÓDŹ
    EXPECT_NORMAL ("\xc4\xb2ssel", "ijssel");                               //  Ĳssel
    EXPECT_NORMAL ("\xc3\x9e\xc3\xb3rur", "thorur");                        //  Þórur
    EXPECT_NORMAL ("\xc5\xa0koda \xc5\xbdilina", "skoda zilina");
    EXPECT_NORMAL ("Fran\xc3\xa7ois-Xavier O'Neil", "francois xavier o neil");
    EXPECT_NORMAL ("e-Government (C7)", "e government c7");
    EXPECT_NORMAL ("CAF\xc3\x89 caf\xc3\xa9 Cafe", "cafe cafe cafe");
    //  Unicode spaces collapse too
    EXPECT_NORMAL ("a\xc2\xa0\xc2\xa0" "b\xe3\x80\x80" "c", "a b c");
    //  Code points outside Latin-1/Extended-A, and the two non-letters
    //  inside, are kept as they are
    EXPECT_NORMAL ("\xce\xa9mega \xe6\x97\xa5\xe6\x9c\xac", "\xce\xa9mega \xe6\x97\xa5\xe6\x9c\xac");
    EXPECT_NORMAL ("2\xc3\x97" "3 \xc3\xb7 4", "2\xc3\x97" "3 \xc3\xb7 4");
    EXPECT_NORMAL ("\xc2\xbf" "Qu\xc3\xa9?", "\xc2\xbf" "que");            //  ¿ is not ASCII
    //  Nothing left
    EXPECT_NORMAL ("", "");
    EXPECT_NORMAL ("  ", "");
    EXPECT_NORMAL ("!?.-", "");
    //  Slice only
    s_expect_normal ("Hello World", 5, "hello");
    char *normal = wsis_valid_normalize (NULL, 0);
    assert_non_null (normal);
    assert_string_equal (normal, "");
    free (normal);
}


//  Encodes U+0080..U+07FF as two bytes.
static size_t
s_encode2 (uint32_t code_point, char *out)
{
    out [0] = (char) (0xC0 | (code_point >> 6));
    out [1] = (char) (0x80 | (code_point & 0x3F));
    return 2;
}


static void
test_normalize_latin_table (void **state)
{
    //  Every letter of U+00C0..U+017F folds to one or two ASCII lower
    //  case letters; only × and ÷ stay as they are
    for (uint32_t code_point = 0xC0; code_point <= 0x17F; code_point++) {
        char input [2];
        s_encode2 (code_point, input);
        char *normal = wsis_valid_normalize (input, 2);
        assert_non_null (normal);
        if (code_point == 0xD7 || code_point == 0xF7)
            assert_memory_equal (normal, input, 2);
        else {
            size_t length = strlen (normal);
            assert_true (length == 1 || length == 2);
            for (size_t index = 0; index < length; index++)
                assert_true (normal [index] >= 'a' && normal [index] <= 'z');
        }
        free (normal);
    }
    //  Upper and lower case of each pair fold alike. Latin-1: +0x20;
    //  Extended-A: adjacent code points, upper first
    struct { uint32_t first, last, lower_offset; bool even_upper; } ranges [] = {
        { 0xC0, 0xDE, 0x20, false },
        { 0x100, 0x137, 1, true },
        { 0x139, 0x148, 1, false },
        { 0x14A, 0x177, 1, true },
        { 0x179, 0x17E, 1, false }
    };
    for (size_t range = 0; range < sizeof (ranges) / sizeof (ranges [0]); range++) {
        for (uint32_t upper = ranges [range].first; upper <= ranges [range].last; upper++) {
            if (upper == 0xD7)
                continue;
            if (ranges [range].lower_offset == 1
            &&  ((upper % 2 == 0) != ranges [range].even_upper))
                continue;
            char input [4];
            s_encode2 (upper, input);
            s_encode2 (upper + ranges [range].lower_offset, input + 2);
            char *folded_upper = wsis_valid_normalize (input, 2);
            char *folded_lower = wsis_valid_normalize (input + 2, 2);
            assert_non_null (folded_upper);
            assert_non_null (folded_lower);
            assert_string_equal (folded_upper, folded_lower);
            free (folded_upper);
            free (folded_lower);
        }
    }
}


static void
test_normalize_malformed (void **state)
{
    //  Malformed bytes are copied, never dropped or over-read
    char *normal = wsis_valid_normalize (LIT ("A\xff" "B \xc3"));
    assert_non_null (normal);
    assert_string_equal (normal, "a\xff" "b \xc3");
    free (normal);
    //  A sequence cut by the length: the lead byte alone is kept
    normal = wsis_valid_normalize ("x\xc3\xa9", 2);
    assert_non_null (normal);
    assert_string_equal (normal, "x\xc3");
    free (normal);
}


int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_categories),
        cmocka_unit_test (test_sdg),
        cmocka_unit_test (test_enumerations),
        cmocka_unit_test (test_countries),
        cmocka_unit_test (test_email_good),
        cmocka_unit_test (test_email_bad),
        cmocka_unit_test (test_email_lengths),
        cmocka_unit_test (test_utf8),
        cmocka_unit_test (test_utf8_after_ascii_runs),
        cmocka_unit_test (test_word_count),
        cmocka_unit_test (test_char_count),
        cmocka_unit_test (test_non_blank),
        cmocka_unit_test (test_normalize),
        cmocka_unit_test (test_normalize_latin_table),
        cmocka_unit_test (test_normalize_malformed),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
