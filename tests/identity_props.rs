//! Round-trip and robustness properties of identities, ids, blinding and phrases.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    missing_docs
)]

use proptest::prelude::*;
use session_protocol::identity::mnemonic::{decode_words, encode_words};
use session_protocol::{
    Blinding, IdPrefix, Identity, SessionId, blind15_ids, blind25_id, session_id_matches_blinded,
    verify_ed25519,
};

fn prefix() -> impl Strategy<Value = IdPrefix> {
    prop_oneof![
        Just(IdPrefix::Standard),
        Just(IdPrefix::Group),
        Just(IdPrefix::Blinded15),
        Just(IdPrefix::Blinded25),
        Just(IdPrefix::Unblinded),
        Just(IdPrefix::Version),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn session_id_text_and_bytes_round_trip(p in prefix(), key in any::<[u8; 32]>()) {
        let id = SessionId::new(p, key);
        let text = id.to_string();
        prop_assert_eq!(text.len(), 66);
        prop_assert!(text.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
        prop_assert_eq!(text.parse::<SessionId>(), Ok(id));
        prop_assert_eq!(text.to_uppercase().parse::<SessionId>(), Ok(id));
        prop_assert_eq!(SessionId::from_bytes(&id.to_bytes()), Ok(id));
        prop_assert_eq!(SessionId::from_slice(&id.to_bytes()[..]), Ok(id));
        prop_assert_eq!(id.prefix(), p);
        prop_assert_eq!(id.key(), &key);
    }

    #[test]
    fn session_id_order_is_byte_order(a in prefix(), ka in any::<[u8; 32]>(), b in prefix(), kb in any::<[u8; 32]>()) {
        let (x, y) = (SessionId::new(a, ka), SessionId::new(b, kb));
        prop_assert_eq!(x.cmp(&y), x.to_bytes().cmp(&y.to_bytes()));
    }

    #[test]
    fn session_id_parsing_never_panics(s in ".{0,80}") {
        let _ = s.parse::<SessionId>();
    }

    #[test]
    fn session_id_bytes_parsing_never_panics(raw in proptest::collection::vec(any::<u8>(), 0..40)) {
        if let Ok(id) = SessionId::from_slice(&raw) {
            prop_assert_eq!(&id.to_bytes()[..], &raw[..]);
        }
    }

    #[test]
    fn words_round_trip(data in proptest::collection::vec(any::<u8>(), 0..16usize).prop_map(|v| {
        let n = v.len() / 4 * 4; v[..n].to_vec()
    }), checksum in any::<bool>()) {
        let words = encode_words(&data, checksum).unwrap();
        if data.is_empty() {
            prop_assert!(words.is_empty());
        } else {
            let back = decode_words(words.iter().copied(), checksum).unwrap();
            prop_assert_eq!(&back[..], &data[..]);
            // Case and anything after the third letter do not matter.
            let mangled: Vec<String> = words.iter().map(|w| format!("{}xyz", w[..3].to_uppercase())).collect();
            let back = decode_words(mangled.iter().map(String::as_str), checksum).unwrap();
            prop_assert_eq!(&back[..], &data[..]);
        }
    }

    #[test]
    fn phrase_decoding_never_panics(s in "[a-zA-Z\u{e9} ]{0,200}") {
        let _ = decode_words(s.split_whitespace(), true);
        let _ = Identity::from_mnemonic(&s);
    }
}

proptest! {
    // Each case does several scalar multiplications: keep the count modest for two-core CI.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn seed_phrase_seed(entropy in any::<[u8; 16]>(), full in any::<[u8; 32]>()) {
        let mut seed = [0u8; 32];
        seed[..16].copy_from_slice(&entropy);
        let me = Identity::from_seed(&seed);
        let phrase = me.mnemonic();
        prop_assert_eq!(phrase.split(' ').count(), 13);
        let again = Identity::from_mnemonic(&phrase).unwrap();
        prop_assert_eq!(*again.seed(), seed);
        prop_assert_eq!(again.session_id(), me.session_id());

        let me = Identity::from_seed(&full);
        let phrase = me.mnemonic();
        let expected_words = if full[16..] == [0; 16] { 13 } else { 25 };
        prop_assert_eq!(phrase.split(' ').count(), expected_words);
        prop_assert_eq!(*Identity::from_mnemonic(&phrase).unwrap().seed(), full);
    }

    #[test]
    fn blinded_signatures_verify_under_the_blinded_key(
        seed in any::<[u8; 32]>(), server in any::<[u8; 32]>(), msg in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let me = Identity::from_seed(&seed);
        for scheme in [Blinding::Blind15, Blinding::Blind25] {
            let kp = me.blinded_keypair(scheme, &server).unwrap();
            let sig = kp.sign(&msg);
            prop_assert_eq!(verify_ed25519(&kp.public(), &msg, &sig), Ok(()));
            prop_assert!(session_id_matches_blinded(&me.session_id(), &kp.id(), &server).unwrap());
            // Not under the unblinded key, and not for another message.
            prop_assert!(verify_ed25519(&me.ed25519_public(), &msg, &sig).is_err());
            let mut other = msg.clone();
            other.push(0);
            prop_assert!(verify_ed25519(&kp.public(), &other, &sig).is_err());
        }
        let id25 = blind25_id(&me.session_id(), &server).unwrap();
        prop_assert_eq!(id25, me.blinded_keypair(Blinding::Blind25, &server).unwrap().id());
        let [a, b] = blind15_ids(&me.session_id(), &server).unwrap();
        prop_assert_eq!(&a.key()[..31], &b.key()[..31]);
        prop_assert_eq!(a.key()[31] ^ b.key()[31], 0x80);
    }

    #[test]
    fn generate_makes_thirteen_word_identities(rng_seed in any::<[u8; 32]>()) {
        use rand_chacha::rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::from_seed(rng_seed);
        let me = Identity::generate(&mut rng);
        prop_assert_eq!(&me.seed()[16..], &[0u8; 16][..]);
        prop_assert_eq!(me.mnemonic().split(' ').count(), 13);
    }
}
