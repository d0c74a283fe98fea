/* A libsodium C stand-in for the Session protocol operations the crate is compared on: the
 * same primitives in the same number, with the same framing shape (length-prefixed layers,
 * JSON control text), written from the protocol's description for this comparison only.
 * Bench-only: not part of the crate, not built by CI. MIT OR Apache-2.0, as the crate. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void put_u32(unsigned char *p, uint32_t v) {
    p[0] = v & 0xff; p[1] = (v >> 8) & 0xff; p[2] = (v >> 16) & 0xff; p[3] = v >> 24;
}
static uint32_t get_u32(const unsigned char *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

int standin_init(void) { return sodium_init() < 0 ? -1 : 0; }

/* One layer: fresh ephemeral pair, DH with the node, key = BLAKE2b-256(shared || eph || node),
 * XChaCha20-Poly1305 of `pt` into `out` as nonce || ct || tag. Returns the bytes written. */
static long seal_layer(const unsigned char node_x[32], const unsigned char *pt, size_t len,
                       unsigned char *out, unsigned char eph_pub[32]) {
    unsigned char sk[32], shared[32], key[32];
    randombytes_buf(sk, 32);
    unsigned char *nonce = out;
    randombytes_buf(nonce, 24);
    crypto_scalarmult_base(eph_pub, sk);
    if (crypto_scalarmult(shared, sk, node_x) != 0) return -1;
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, shared, 32);
    crypto_generichash_update(&st, eph_pub, 32);
    crypto_generichash_update(&st, node_x, 32);
    crypto_generichash_final(&st, key, 32);
    unsigned long long maclen;
    crypto_aead_xchacha20poly1305_ietf_encrypt_detached(out + 24, out + 24 + len, &maclen, pt, len,
                                                        NULL, 0, NULL, nonce, key);
    sodium_memzero(sk, 32); sodium_memzero(shared, 32); sodium_memzero(key, 32);
    return (long)(24 + len + 16);
}

/* Onion request through `hops` nodes (guard first) to a node destination: layer 0 is
 * u32 || payload || {"headers":""}; layer k wraps u32 || layer k-1 || {"destination",
 * "ephemeral_key","enc_type"}; the packet is u32 || outer layer || {"ephemeral_key","enc_type"}.
 * `scratch` and `out` must hold the packet. Returns its length, or -1. */
long standin_onion_build(const unsigned char (*path_x)[32], const unsigned char (*path_ed)[32],
                         size_t hops, const unsigned char dest_x[32], const unsigned char dest_ed[32],
                         const unsigned char *payload, size_t len, unsigned char *scratch,
                         unsigned char *out) {
    unsigned char eph[32];
    char hex[65], edhex[65], json[256];
    size_t pt = 0;
    put_u32(scratch, (uint32_t)len);
    memcpy(scratch + 4, payload, len);
    pt = 4 + len;
    memcpy(scratch + pt, "{\"headers\":\"\"}", 14);
    pt += 14;
    long sealed = seal_layer(dest_x, scratch, pt, out, eph);
    if (sealed < 0) return -1;
    const unsigned char *next_ed = dest_ed;
    for (size_t i = hops; i-- > 0;) {
        sodium_bin2hex(hex, sizeof hex, eph, 32);
        sodium_bin2hex(edhex, sizeof edhex, next_ed, 32);
        int j = snprintf(json, sizeof json,
                         "{\"destination\":\"%s\",\"ephemeral_key\":\"%s\",\"enc_type\":\"xchacha20\"}",
                         edhex, hex);
        put_u32(scratch, (uint32_t)sealed);
        memcpy(scratch + 4, out, (size_t)sealed);
        memcpy(scratch + 4 + sealed, json, (size_t)j);
        pt = 4 + (size_t)sealed + (size_t)j;
        sealed = seal_layer(path_x[i], scratch, pt, out + 4, eph);
        if (sealed < 0) return -1;
        memmove(out, out + 4, (size_t)sealed);
        next_ed = path_ed[i];
    }
    sodium_bin2hex(hex, sizeof hex, eph, 32);
    int j = snprintf(json, sizeof json, "{\"ephemeral_key\":\"%s\",\"enc_type\":\"xchacha20\"}", hex);
    memmove(out + 4, out, (size_t)sealed);
    put_u32(out, (uint32_t)sealed);
    memcpy(out + 4 + sealed, json, (size_t)j);
    return 4 + sealed + j;
}

/* First-hop peel in place: read the frame, find the ephemeral key in the JSON, DH, derive the
 * layer key and a replay tag, decrypt, and split the inner frame. Returns the inner blob's
 * length (its start is written to *blob), or -1. */
long standin_onion_peel(const unsigned char node_sk[32], const unsigned char node_pk[32],
                        unsigned char *packet, size_t len, unsigned char **blob,
                        unsigned char tag_out[32]) {
    if (len < 4) return -1;
    size_t n = get_u32(packet);
    if (n > len - 4 || n < 40) return -1;
    unsigned char *ct = packet + 4;
    const char *json = (const char *)(packet + 4 + n);
    size_t jlen = len - 4 - n;
    static const char field[] = "\"ephemeral_key\":\"";
    const char *at = NULL;
    for (size_t i = 0; i + sizeof field - 1 + 64 <= jlen; i++)
        if (memcmp(json + i, field, sizeof field - 1) == 0) { at = json + i + sizeof field - 1; break; }
    if (!at) return -1;
    unsigned char eph[32], shared[32], key[32];
    size_t got;
    if (sodium_hex2bin(eph, 32, at, 64, NULL, &got, NULL) != 0 || got != 32) return -1;
    if (crypto_scalarmult(shared, node_sk, eph) != 0) return -1;
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, shared, 32);
    crypto_generichash_update(&st, eph, 32);
    crypto_generichash_update(&st, node_pk, 32);
    crypto_generichash_final(&st, key, 32);
    crypto_generichash(tag_out, 32, shared, 32, (const unsigned char *)"session-onion-replay-1", 22);
    size_t mlen = n - 24 - 16;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(ct + 24, NULL, ct + 24, mlen,
                                                            ct + 24 + mlen, NULL, 0, ct, key) != 0)
        return -1;
    sodium_memzero(shared, 32); sodium_memzero(key, 32);
    unsigned char *pt = ct + 24;
    if (mlen < 4) return -1;
    size_t b = get_u32(pt);
    if (b > mlen - 4) return -1;
    /* The routing JSON follows the blob: find its "destination" as a node would. */
    const char *rest = (const char *)(pt + 4 + b);
    size_t rlen = mlen - 4 - b;
    if (rlen < 16 || memcmp(rest, "{\"destination\":\"", 16) != 0) return -1;
    *blob = pt + 4;
    return (long)b;
}

/* encrypt_for_recipient: inner = M || A || sign(M || A || Y), sealed to Y. `out` holds
 * len + 144 bytes, `scratch` len + 96. Returns 0 or -1. */
int standin_encrypt_for_recipient(const unsigned char ed_sk[64], const unsigned char y[32],
                                  const unsigned char *msg, size_t len, unsigned char *scratch,
                                  unsigned char *out) {
    memcpy(scratch, msg, len);
    memcpy(scratch + len, ed_sk + 32, 32);
    memcpy(scratch + len + 32, y, 32);
    unsigned char sig[64];
    crypto_sign_detached(sig, NULL, scratch, len + 64, ed_sk);
    memcpy(scratch + len + 32, sig, 64);
    return crypto_box_seal(out, scratch, len + 96, y);
}

/* decrypt_incoming: open the box, verify the sender's signature over M || A || X, return the
 * message length (the sender's Ed25519 key is copied to sender_ed). With `want_id`, also the
 * sender's X25519 key (crypto_sign_ed25519_pk_to_curve25519), as for a Session ID. */
long standin_decrypt_incoming(const unsigned char x_sk[32], const unsigned char x_pk[32],
                              const unsigned char *ct, size_t len, unsigned char *scratch,
                              unsigned char sender_ed[32], unsigned char sender_x[32], int want_id) {
    if (len < 144) return -1;
    size_t inner = len - crypto_box_SEALBYTES;
    if (crypto_box_seal_open(scratch, ct, len, x_pk, x_sk) != 0) return -1;
    size_t mlen = inner - 96;
    unsigned char sig[64];
    memcpy(sender_ed, scratch + mlen, 32);
    memcpy(sig, scratch + mlen + 32, 64);
    memcpy(scratch + mlen + 32, x_pk, 32);
    if (crypto_sign_verify_detached(sig, scratch, mlen + 64, sender_ed) != 0) return -1;
    if (want_id && crypto_sign_ed25519_pk_to_curve25519(sender_x, sender_ed) != 0) return -1;
    return (long)mlen;
}

/* Floors. */
void standin_keypair(unsigned char pk[32], const unsigned char sk[32]) { crypto_scalarmult_base(pk, sk); }
int standin_dh(unsigned char out[32], const unsigned char sk[32], const unsigned char pk[32]) {
    return crypto_scalarmult(out, sk, pk);
}

/* An identity from its seed, as libsodium stores it: the Ed25519 secret key (seed || pk), and
 * the X25519 key pair derived from it. */
void standin_identity(const unsigned char seed[32], unsigned char ed_pk[32], unsigned char ed_sk[64],
                      unsigned char x_sk[32], unsigned char x_pk[32]) {
    crypto_sign_seed_keypair(ed_pk, ed_sk, seed);
    crypto_sign_ed25519_sk_to_curve25519(x_sk, ed_sk);
    crypto_scalarmult_base(x_pk, x_sk);
}
