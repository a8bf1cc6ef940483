/*  voting_receipt: the receipt a voter gets for a vote.

    HMAC-SHA256 (libsodium, already linked through libzmq's CURVE) with a
    per-installation secret over the vote's call, category, submission_id
    and voter_id, so nobody without the secret can forge a receipt or tell
    from one who voted. It is prefixed with the vote's number in the log,
    which lets vote.verify find the vote with one primary-key read instead
    of an index of receipts; the number says only where the vote stands in
    the log, which the vote.cast event's seq says anyway.
*/
#include "voting.h"

#include <sodium.h>
#include <string.h>

int
voting_receipt_init (void)
{
    return sodium_init () < 0? -1: 0;
}

void
voting_receipt_new_secret (unsigned char secret [VOTING_SECRET_SIZE])
{
    //  getrandom(2): the kernel's CSPRNG, as /dev/urandom.
    randombytes_buf (secret, VOTING_SECRET_SIZE);
}

void
voting_receipt_key (crypto_auth_hmacsha256_state *keyed,
                    const unsigned char secret [VOTING_SECRET_SIZE])
{
    crypto_auth_hmacsha256_init (keyed, secret, VOTING_SECRET_SIZE);
}

void
voting_receipt_make (const crypto_auth_hmacsha256_state *keyed, uint64_t vote_no,
                     const char *call, const char *category,
                     const char *submission_id, size_t submission_len,
                     const char *voter_id, size_t voter_len, char *out)
{
    //  Fields separated by a NUL, which none of them may contain, so two
    //  different votes never hash the same bytes.
    static const unsigned char zero = 0;
    crypto_auth_hmacsha256_state state = *keyed;
    unsigned char mac [crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_update (&state, (const unsigned char *) call, strlen (call));
    crypto_auth_hmacsha256_update (&state, &zero, 1);
    crypto_auth_hmacsha256_update (&state, (const unsigned char *) category, strlen (category));
    crypto_auth_hmacsha256_update (&state, &zero, 1);
    crypto_auth_hmacsha256_update (&state, (const unsigned char *) submission_id, submission_len);
    crypto_auth_hmacsha256_update (&state, &zero, 1);
    crypto_auth_hmacsha256_update (&state, (const unsigned char *) voter_id, voter_len);
    crypto_auth_hmacsha256_final (&state, mac);

    unsigned char number [8];
    for (int i = 0; i < 8; i++)
        number [i] = (unsigned char) (vote_no >> (56 - 8 * i));
    sodium_bin2hex (out, 17, number, sizeof number);
    sodium_bin2hex (out + 16, VOTING_RECEIPT_LEN - 16 + 1, mac, sizeof mac);
}

int
voting_receipt_parse (const char *text, size_t len, uint64_t *vote_no)
{
    if (len != VOTING_RECEIPT_LEN)
        return -1;
    uint64_t number = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text [i];
        int digit = c >= '0' && c <= '9'? c - '0': c >= 'a' && c <= 'f'? c - 'a' + 10: -1;
        if (digit < 0)
            return -1;
        if (i < 16)
            number = (number << 4) | (uint64_t) digit;
    }
    *vote_no = number;
    return 0;
}

bool
voting_receipt_equal (const char *a, const char *b)
{
    return sodium_memcmp (a, b, VOTING_RECEIPT_LEN) == 0;
}
