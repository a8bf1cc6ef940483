/*  wsis_suggest: the closest of a few known words, for error messages.

    The lists are short (phase names, call kinds, field names), so an
    edit distance per choice is cheap; words past WSIS_SUGGEST_WORD_MAX are
    never typos of a short name and get no suggestion.
*/
#include "wsis_suggest.h"

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define EDITS_CLOSE     2       //  "nominations" for "nomination"
#define PREFIX_CLOSE    3       //  "vote" for "voting"

static char
s_lower (char c)
{
    return c >= 'A' && c <= 'Z'? (char) (c - 'A' + 'a'): c;
}

//  Optimal string alignment distance, two rows of the table plus the one
//  before them for swaps.
size_t
wsis_suggest_distance (const char *a, size_t a_len, const char *b, size_t b_len)
{
    if (a_len > WSIS_SUGGEST_WORD_MAX || b_len > WSIS_SUGGEST_WORD_MAX)
        return a_len > b_len? a_len: b_len;
    size_t rows [3][WSIS_SUGGEST_WORD_MAX + 1];
    size_t *before = rows [0], *previous = rows [1], *current = rows [2];
    for (size_t j = 0; j <= b_len; j++)
        previous [j] = j;
    for (size_t i = 1; i <= a_len; i++) {
        current [0] = i;
        for (size_t j = 1; j <= b_len; j++) {
            size_t cost = s_lower (a [i - 1]) == s_lower (b [j - 1])? 0: 1;
            size_t best = previous [j] + 1;
            if (current [j - 1] + 1 < best)
                best = current [j - 1] + 1;
            if (previous [j - 1] + cost < best)
                best = previous [j - 1] + cost;
            if (i > 1 && j > 1 && s_lower (a [i - 1]) == s_lower (b [j - 2])
            &&  s_lower (a [i - 2]) == s_lower (b [j - 1]) && before [j - 2] + 1 < best)
                best = before [j - 2] + 1;
            current [j] = best;
        }
        size_t *spare = before;
        before = previous;
        previous = current;
        current = spare;
    }
    return previous [b_len];
}

//  One slip per three letters (one at least), and never the whole name:
//  'organization' is a suggestion for 'organisation', 'email' for
//  'emial', but 'name' is not for 'age', nor 'key' for 'xyz'.
bool
wsis_suggest_close (size_t distance, size_t name_len)
{
    size_t slips = name_len / 3 > 1? name_len / 3: 1;
    return distance <= slips && distance < name_len;
}

int
wsis_suggest_closest (const char *word, size_t len, const char *const *names, size_t count)
{
    int closest = -1;
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < count; i++) {
        size_t name_len = strlen (names [i]);
        size_t distance = wsis_suggest_distance (word, len, names [i], name_len);
        if (wsis_suggest_close (distance, name_len) && distance < best) {
            best = distance;
            closest = (int) i;
        }
    }
    return closest;
}

static size_t
s_common_prefix (const char *a, const char *b)
{
    size_t length = 0;
    while (a [length] && b [length]
       &&  tolower ((unsigned char) a [length]) == tolower ((unsigned char) b [length]))
        length++;
    return length;
}

const char *
wsis_suggest (const char *word, const char *const *choices)
{
    if (!word || !choices)
        return NULL;
    size_t word_len = strlen (word);
    if (word_len == 0 || word_len > WSIS_SUGGEST_WORD_MAX)
        return NULL;
    const char *best = NULL;
    size_t best_distance = (size_t) -1;
    for (size_t i = 0; choices [i]; i++) {
        size_t choice_len = strlen (choices [i]);
        if (choice_len > WSIS_SUGGEST_WORD_MAX)
            continue;
        size_t distance = wsis_suggest_distance (word, word_len, choices [i], choice_len);
        bool close = distance <= EDITS_CLOSE
                  || s_common_prefix (word, choices [i]) >= PREFIX_CLOSE;
        //  Too short a word is "close" to anything two edits away
        if (distance >= word_len)
            close = false;
        if (close && distance < best_distance) {
            best = choices [i];
            best_distance = distance;
        }
    }
    return best;
}
