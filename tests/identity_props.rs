//! Round-trip and robustness properties of identities, ids, blinding and phrases.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    missing_docs
)]

mod common;
use common::cases::run_cases;

use proptest::prelude::*;
use session_protocol::identity::mnemonic::{decode_words, encode_words};
use session_protocol::{
    Blinding, IdPrefix, Identity, MnemonicError, SessionId, SessionIdError, blind15_ids,
    blind25_id, session_id_matches_blinded, verify_ed25519,
};

/// The crate's word list, read here only to classify random words (is this 3-letter prefix a
/// word?) independently of the decoder.
const WORD_LIST: &str = include_str!("../src/identity/mnemonic/english.txt");

fn is_list_word(w: &str) -> bool {
    let Some(head) = w.get(..3).filter(|h| h.is_ascii()) else {
        return false;
    };
    let head = head.to_ascii_lowercase();
    WORD_LIST.lines().any(|l| l.starts_with(&head))
}

/// The expected error kind of a phrase, from its shape alone: the count is checked first,
/// then every word, then (which only decoding can tell) the checksum or a triplet.
fn check_phrase_error(words: &[&str], checksum: bool, err: MnemonicError) -> Result<(), String> {
    let data_words = if checksum {
        words.len().checked_sub(1)
    } else {
        Some(words.len())
    };
    let count_ok = matches!(data_words, Some(n) if n > 0 && n % 3 == 0);
    let first_unknown = words.iter().position(|w| !is_list_word(w));
    let ok = match (count_ok, first_unknown) {
        (false, _) => err == MnemonicError::WrongWordCount(words.len()),
        (true, Some(i)) => err == MnemonicError::UnknownWord(i),
        (true, None) => match err {
            MnemonicError::BadChecksum => checksum,
            MnemonicError::InvalidTriplet(t) => t % 3 == 0 && t < data_words.unwrap_or(0),
            _ => false,
        },
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{words:?} (checksum {checksum}): unexpected {err:?}"
        ))
    }
}

/// Strings that are sometimes valid ids: random text, or 66 characters of which most are hex,
/// in mixed case, with a known or unknown prefix.
fn id_like() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,80}",
        "[0-9a-fA-F]{60,70}",
        "(00|03|05|07|15|25|ff|5|0x)[0-9a-fA-F]{64}",
        "(05|25)[0-9a-fA-F]{30}[g-zG-Z \u{e9}][0-9a-fA-F]{33}",
    ]
}

/// Phrases from list words (some shortened, misspelt after the prefix or uppercased), random
/// letters, and phrases of random 16- and 32-byte seeds, some with one word replaced.
fn phrase_like() -> impl Strategy<Value = String> {
    let words: Vec<&'static str> = WORD_LIST.lines().collect();
    let word = proptest::sample::select(words);
    let mangled = (word, 0u8..4).prop_map(|(w, how)| match how {
        0 => w.to_owned(),
        1 => w[..3].to_owned(),
        2 => format!("{}qq", w[..3].to_uppercase()),
        _ => format!("{}x", &w[..2]),
    });
    prop_oneof![
        "[a-zA-Z\u{e9} ]{0,200}",
        proptest::collection::vec(mangled, 0..28).prop_map(|w| w.join(" ")),
        (
            any::<[u8; 32]>(),
            any::<bool>(),
            proptest::option::of((0usize..25, 0usize..1626)),
            any::<bool>(),
        )
            .prop_map(|(mut seed, full, replace, upper)| {
                if !full {
                    seed[16..].fill(0);
                }
                let phrase = Identity::from_seed(&seed).mnemonic().to_string();
                let phrase = if upper { phrase.to_uppercase() } else { phrase };
                let mut w: Vec<&str> = phrase.split(' ').collect();
                if let Some((at, with)) = replace {
                    let n = w.len();
                    w[at % n] = WORD_LIST.lines().nth(with).unwrap();
                }
                w.join("  ")
            }),
    ]
}

#[test]
fn wrong_word_counts_are_their_own_error() {
    let short = Identity::from_seed(&{
        let mut s = [0u8; 32];
        s[..16].copy_from_slice(&[0x5a; 16]);
        s
    })
    .mnemonic()
    .to_string();
    let long = Identity::from_seed(&[0x5a; 32]).mnemonic().to_string();
    let short: Vec<&str> = short.split(' ').collect();
    let long: Vec<&str> = long.split(' ').collect();
    assert_eq!((short.len(), long.len()), (13, 25));
    // Each phrase through the three entry points: as given, with extra whitespace (which is not
    // a word), and as words with a checksum.
    let wrong = |n| [Err(MnemonicError::WrongWordCount(n)); 3];
    let cases = [
        ("no words", vec![], wrong(0)),
        ("12 of 13", short[..12].to_vec(), wrong(12)),
        (
            "14: 13 and one more",
            [&short[..], &short[..1]].concat(),
            wrong(14),
        ),
        ("24 of 25", long[..24].to_vec(), wrong(24)),
        (
            "26: 25 and one more",
            [&long[..], &long[..1]].concat(),
            wrong(26),
        ),
    ];
    run_cases(&cases, |words| {
        [
            Identity::from_mnemonic(&words.join(" ")).map(|_| ()),
            Identity::from_mnemonic(&format!("  {}\n", words.join(" \t "))).map(|_| ()),
            decode_words(words.iter().copied(), true).map(|_| ()),
        ]
    });
    // Without a checksum word 12 and 24 words are whole triplets, and decode.
    assert_eq!(
        decode_words(short[..12].iter().copied(), false)
            .unwrap()
            .len(),
        16
    );
    assert_eq!(
        decode_words(long[..24].iter().copied(), false)
            .unwrap()
            .len(),
        32
    );
    assert_eq!(
        decode_words(short[..13].iter().copied(), false).map(|_| ()),
        Err(MnemonicError::WrongWordCount(13))
    );
}

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

    /// Parsing never panics; a parsed id displays as the lowercased input, and each error is
    /// the one the input's shape calls for (length first, then digits, then the prefix).
    #[test]
    fn session_id_parsing_never_panics(s in id_like()) {
        match s.parse::<SessionId>() {
            Ok(id) => {
                prop_assert_eq!(id.to_string(), s.to_ascii_lowercase());
                prop_assert_eq!(id.prefix().byte(), u8::from_str_radix(&s[..2], 16).unwrap());
            }
            Err(SessionIdError::WrongLength(n)) => {
                prop_assert_eq!(n, s.len());
                prop_assert_ne!(n, 66);
            }
            Err(SessionIdError::NotHex) => {
                prop_assert_eq!(s.len(), 66);
                prop_assert!(!s.bytes().all(|c| c.is_ascii_hexdigit()));
            }
            Err(SessionIdError::UnknownPrefix(p)) => {
                prop_assert_eq!(s.len(), 66);
                prop_assert!(s.bytes().all(|c| c.is_ascii_hexdigit()));
                prop_assert_eq!(p, u8::from_str_radix(&s[..2], 16).unwrap());
                prop_assert_eq!(IdPrefix::from_byte(p), None);
            }
            Err(e) => prop_assert!(false, "unexpected {e:?}"),
        }
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

    /// Decoding never panics; a phrase that decodes stands for a seed that encodes back to a
    /// phrase of the same seed, and each error is the kind the phrase's shape calls for.
    #[test]
    fn phrase_decoding_never_panics(s in phrase_like()) {
        let words: Vec<&str> = s.split_whitespace().collect();
        for checksum in [true, false] {
            match decode_words(words.iter().copied(), checksum) {
                Ok(data) => {
                    let again = encode_words(&data, checksum).unwrap();
                    prop_assert_eq!(&*decode_words(again, checksum).unwrap(), &*data);
                    prop_assert_eq!(data.len(), (words.len() - usize::from(checksum)) / 3 * 4);
                }
                Err(e) => {
                    if let Err(why) = check_phrase_error(&words, checksum, e) {
                        prop_assert!(false, "{}", why);
                    }
                }
            }
        }
        match Identity::from_mnemonic(&s) {
            Ok(me) => {
                prop_assert!(words.len() == 13 || words.len() == 25);
                let seed = *me.seed();
                let phrase = me.mnemonic();
                let back = Identity::from_mnemonic(&phrase).unwrap();
                prop_assert_eq!(*back.seed(), seed);
                // The same 16 or 32 bytes as the phrase's own words.
                let data = decode_words(words.iter().copied(), true).unwrap();
                prop_assert_eq!(&seed[..data.len()], &data[..]);
                prop_assert!(seed[data.len()..].iter().all(|&b| b == 0));
            }
            Err(MnemonicError::WrongWordCount(n)) => {
                prop_assert_eq!(n, words.len());
                prop_assert!(n != 13 && n != 25);
            }
            Err(e) => {
                if let Err(why) = check_phrase_error(&words, true, e) {
                    prop_assert!(false, "{}", why);
                }
            }
        }
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
