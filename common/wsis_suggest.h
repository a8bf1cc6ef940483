/*  wsis_suggest: "did you mean" for a word that is not one of a fixed list.

    A typo in a configuration file or a request is cheaper to fix when the
    message names the word that was meant ("vote" -> "voting").
*/
#ifndef WSIS_SUGGEST_H
#define WSIS_SUGGEST_H

//  The choice (of a NULL-terminated list) closest to word when it is close
//  enough to be the one meant: at most two edits away, or sharing its
//  first three characters; NULL when none is. The result is one of choices.
const char *wsis_suggest (const char *word, const char *const *choices);

#endif
