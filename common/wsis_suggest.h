/*  wsis_suggest: "did you mean" for a word that is not one of a fixed list.

    A typo in a configuration file or a request is cheaper to fix when the
    message names the word that was meant ("vote" -> "voting",
    "organisation" -> "organization"). One edit distance serves every such
    message: the calendar's names, request body fields, kinds' fields.
*/
#ifndef WSIS_SUGGEST_H
#define WSIS_SUGGEST_H

#include <stdbool.h>
#include <stddef.h>

//  Words longer than this are never typos of a name and are as far from
//  anything as their length.
#define WSIS_SUGGEST_WORD_MAX 64

//  The edit distance (insertions, deletions, substitutions and swaps of
//  two neighbours, ASCII case ignored) between a and b.
size_t wsis_suggest_distance (const char *a, size_t a_len, const char *b, size_t b_len);

//  Whether a word at that distance from a name is close enough to be
//  suggested for it: one slip per three letters (one at least), and never
//  the whole name.
bool wsis_suggest_close (size_t distance, size_t name_len);

//  The index of the name closest to word among count names, or -1 when
//  none is close enough (wsis_suggest_close).
int wsis_suggest_closest (const char *word, size_t len, const char *const *names, size_t count);

//  The choice (of a NULL-terminated list) closest to word when it is close
//  enough to be the one meant: at most two edits away, or sharing its
//  first three characters ("vote" for "voting"); NULL when none is. For
//  short fixed lists of names a person types (phases, kinds). The result
//  is one of choices.
const char *wsis_suggest (const char *word, const char *const *choices);

#endif
