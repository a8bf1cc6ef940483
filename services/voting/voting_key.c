/*  voting_key: what the bytes of the voting key file are used for.

    The file holds a master key and the receipt key (voting.h). From the
    master, HMAC-SHA256 derives one subkey per use, each under its own
    label, so that a value made with one (a pseudonym in the vote log)
    says nothing about another (a request hash, the fingerprint):

        pseudonym key  HMAC(master, "wsis voting voter")
        request key    HMAC(master, "wsis voting request siphash"), its
                       first 16 bytes: a SipHash-2-4 key (version 3 on)
        request key    HMAC(master, "wsis voting request"): the request
                       hashes the log kept before version 3
        fingerprint    HMAC(master, "wsis voting key check" || receipt key)

    The receipt key is used as it is: after a migration it is the secret
    an older voting.db held, and the receipts given then must still verify.
    Every state is keyed once here (its padded key blocks absorbed); a use
    copies it and hashes only its input, as receipts always did.
*/
#include "voting.h"

#include <string.h>

static void
s_subkey (crypto_auth_hmacsha256_state *state, const unsigned char master [VOTING_KEY_HALF],
          const char *label)
{
    unsigned char subkey [VOTING_MAC_SIZE];
    crypto_auth_hmacsha256 (subkey, (const unsigned char *) label, strlen (label), master);
    crypto_auth_hmacsha256_init (state, subkey, sizeof subkey);
    sodium_memzero (subkey, sizeof subkey);
}

void
voting_key_derive (voting_keys_t *keys, const unsigned char file [VOTING_KEY_SIZE])
{
    const unsigned char *master = file;
    const unsigned char *receipt = file + VOTING_KEY_HALF;
    s_subkey (&keys->pseudonym, master, "wsis voting voter");
    s_subkey (&keys->request_v2, master, "wsis voting request");
    unsigned char subkey [VOTING_MAC_SIZE];
    static const char request_label [] = "wsis voting request siphash";
    crypto_auth_hmacsha256 (subkey, (const unsigned char *) request_label, strlen (request_label),
                            master);
    memcpy (keys->request, subkey, sizeof keys->request);
    sodium_memzero (subkey, sizeof subkey);
    crypto_auth_hmacsha256_init (&keys->receipt, receipt, VOTING_KEY_HALF);

    static const char label [] = "wsis voting key check";
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init (&state, master, VOTING_KEY_HALF);
    crypto_auth_hmacsha256_update (&state, (const unsigned char *) label, strlen (label));
    crypto_auth_hmacsha256_update (&state, receipt, VOTING_KEY_HALF);
    crypto_auth_hmacsha256_final (&state, keys->check);
}

void
voting_key_pseudonym (const voting_keys_t *keys, const char *voter_id, size_t len,
                      unsigned char pseudonym [VOTING_PSEUDONYM_SIZE])
{
    crypto_auth_hmacsha256_state state = keys->pseudonym;
    unsigned char mac [VOTING_MAC_SIZE];
    crypto_auth_hmacsha256_update (&state, (const unsigned char *) voter_id, len);
    crypto_auth_hmacsha256_final (&state, mac);
    memcpy (pseudonym, mac, VOTING_PSEUDONYM_SIZE);
}

//  The request hash's bytes, most significant first, and back.
static void
s_bytes (uint64_t value, unsigned char bytes [8])
{
    for (int i = 0; i < 8; i++)
        bytes [i] = (unsigned char) (value >> (56 - 8 * i));
}

static uint64_t
s_value (const unsigned char *bytes)
{
    uint64_t value = 0;
    for (int i = 0; i < 8; i++)
        value = (value << 8) | bytes [i];
    return value;
}

uint64_t
voting_key_request (const voting_keys_t *keys, uint64_t request_hash)
{
    //  The request hash (FNV-1a of role, actor and id) is keyed in turn,
    //  because the actor of a stakeholder's vote is the voter itself, and
    //  the same function rekeys the hashes of an older log: they stay
    //  comparable with those of new requests. SipHash-2-4 is a keyed
    //  function made for short inputs: a tenth of an HMAC-SHA256's cost,
    //  on the hot path of every vote.
    unsigned char bytes [8], keyed [crypto_shorthash_siphash24_BYTES];
    s_bytes (request_hash, bytes);
    crypto_shorthash_siphash24 (keyed, bytes, sizeof bytes, keys->request);
    return s_value (keyed);
}

uint64_t
voting_key_request_v2 (const voting_keys_t *keys, uint64_t request_hash)
{
    unsigned char bytes [8], mac [VOTING_MAC_SIZE];
    s_bytes (request_hash, bytes);
    crypto_auth_hmacsha256_state state = keys->request_v2;
    crypto_auth_hmacsha256_update (&state, bytes, sizeof bytes);
    crypto_auth_hmacsha256_final (&state, mac);
    return s_value (mac);
}
