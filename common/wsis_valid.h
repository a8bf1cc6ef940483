/*  wsis_valid: checks of single field values against the WSIS rules and
    taxonomy (docs/protocol.md section 5). Pure functions on (pointer, length)
    strings, which need not be NUL-terminated (they come from msgpack).
*/
#ifndef WSIS_VALID_H
#define WSIS_VALID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WSIS_CATEGORY_COUNT 18
#define WSIS_SDG_COUNT 17

//  The 18 WSIS Action Line categories in the order of the WSIS-SDG matrix:
//  C1 C2 C3 C4 C5 C6 e-gov e-bus e-lea e-hea e-emp e-env e-agr e-sci C8 C9 C10 C11
extern const char *const wsis_categories [WSIS_CATEGORY_COUNT];
extern const char *const wsis_stakeholder_types [5];
extern const char *const wsis_regions [6];
extern const char *const wsis_genders [4];

//  Well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool wsis_valid_utf8 (const char *s, size_t len);

//  A plausible mailbox: local@domain, ASCII, local part 1-64, domain with a
//  dot, labels of letters/digits/hyphens, total <= 254. No display names.
bool wsis_valid_email (const char *s, size_t len);

//  An ISO 3166-1 alpha-2 code currently assigned (upper case, e.g. "CH").
bool wsis_valid_country (const char *s, size_t len);

//  Index of a category code in wsis_categories, or -1 (exact match).
int wsis_valid_category (const char *s, size_t len);

bool wsis_valid_sdg (int64_t sdg);                         //  1..17
bool wsis_valid_stakeholder_type (const char *s, size_t len);
bool wsis_valid_region (const char *s, size_t len);
bool wsis_valid_gender (const char *s, size_t len);

//  Words: maximal runs of non-whitespace (Unicode whitespace included).
size_t wsis_valid_word_count (const char *s, size_t len);

//  Characters: Unicode code points of well-formed UTF-8.
size_t wsis_valid_char_count (const char *s, size_t len);

//  True when the text has something other than whitespace.
bool wsis_valid_non_blank (const char *s, size_t len);

//  Normalises text for duplicate detection: lower case, Latin accents
//  removed (é -> e, ß -> ss, ...), every run of whitespace and punctuation
//  collapsed to one space, trimmed. Returns a new NUL-terminated string the
//  caller frees, or NULL on allocation failure.
char *wsis_valid_normalize (const char *s, size_t len);

#endif
