/*  wsis_suggest: the closest of a few known words, for error messages.

    The lists are short (phase names, call kinds, field names), so a plain
    edit distance per choice is cheap; words past WORD_MAX are never
    typos of a short name and get no suggestion.
*/
#include "wsis_suggest.h"

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define WORD_MAX        64
#define EDITS_CLOSE     2       //  "nominations" for "nomination"
#define PREFIX_CLOSE    3       //  "vote" for "voting"

//  Levenshtein distance, case ignored, one row at a time.
static size_t
s_distance (const char *a, size_t a_len, const char *b, size_t b_len)
{
    size_t row [WORD_MAX + 1];
    for (size_t j = 0; j <= b_len; j++)
        row [j] = j;
    for (size_t i = 1; i <= a_len; i++) {
        size_t diagonal = row [0];
        row [0] = i;
        for (size_t j = 1; j <= b_len; j++) {
            size_t above = row [j];
            size_t cost = tolower ((unsigned char) a [i - 1])
                       != tolower ((unsigned char) b [j - 1]);
            size_t best = diagonal + cost;
            if (above + 1 < best)
                best = above + 1;
            if (row [j - 1] + 1 < best)
                best = row [j - 1] + 1;
            row [j] = best;
            diagonal = above;
        }
    }
    return row [b_len];
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
    if (word_len == 0 || word_len > WORD_MAX)
        return NULL;
    const char *best = NULL;
    size_t best_distance = (size_t) -1;
    for (size_t i = 0; choices [i]; i++) {
        size_t choice_len = strlen (choices [i]);
        if (choice_len > WORD_MAX)
            continue;
        size_t distance = s_distance (word, word_len, choices [i], choice_len);
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
