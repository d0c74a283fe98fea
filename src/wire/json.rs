//! JSON strings that borrow from the input when they can.
//!
//! serde borrows a `Cow<str>` field only when the field's type is exactly `Cow`; inside an
//! `Option` it always allocates. `JsonStr` borrows whenever the JSON string has no escapes and
//! owns the unescaped text otherwise, in any position.

use alloc::borrow::Cow;
use alloc::string::String;
use core::fmt;
use core::ops::Deref;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, Visitor};

/// A JSON string, borrowed from the input unless it contained escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonStr<'a>(pub(crate) Cow<'a, str>);

impl Deref for JsonStr<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for JsonStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = JsonStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(JsonStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(JsonStr(Cow::Owned(String::from(v))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(JsonStr(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Deepest JSON nesting accepted before handing bytes to serde_json, which stops recursing at
/// 128 levels but skips *ignored* fields with a heap stack of one byte per level and no limit.
pub(crate) const MAX_JSON_DEPTH: usize = 128;

/// Whether no array or object in `bytes` is nested deeper than [`MAX_JSON_DEPTH`] (a top-level
/// object is depth 1). A linear scan that tracks strings and escapes and allocates nothing;
/// it does not otherwise validate the JSON.
pub(crate) fn json_depth_ok(bytes: &[u8]) -> bool {
    let mut depth = 0usize;
    let mut in_str = false;
    let mut escaped = false;
    for &b in bytes {
        if in_str {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth = depth.saturating_add(1);
                if depth > MAX_JSON_DEPTH {
                    return false;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    true
}

/// Parses JSON that must be UTF-8 throughout (serde_json does not check the strings of
/// fields it ignores) and nested at most [`MAX_JSON_DEPTH`] deep (so skipping ignored fields
/// cannot allocate in proportion to the input).
pub(crate) fn from_json<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Option<T> {
    let text = core::str::from_utf8(bytes).ok()?;
    if !json_depth_ok(bytes) {
        return None;
    }
    serde_json::from_str(text).ok()
}

/// Whether the first byte after JSON whitespace is `{`: the text can only be an object.
///
/// serde's derived structs also deserialize from JSON arrays (their fields in order), so a
/// parser that wants an *object* checks this first.
pub(crate) fn starts_object(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .is_some_and(|&b| b == b'{')
}

/// [`from_json`] of a JSON object only: an array (which a derived struct would also accept as
/// its fields in order), or any other value, is refused.
pub(crate) fn from_json_object<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Option<T> {
    if !starts_object(bytes) {
        return None;
    }
    from_json(bytes)
}

/// [`from_json_object`] through a seed, for decoders that handle what they read as it arrives
/// (the seed's own visitor must ask for a map, as this only checks the first byte).
pub(crate) fn from_json_object_seed<'a, S: DeserializeSeed<'a>>(
    bytes: &'a [u8],
    seed: S,
) -> Option<S::Value> {
    if !starts_object(bytes) || !json_depth_ok(bytes) {
        return None;
    }
    let text = core::str::from_utf8(bytes).ok()?;
    let mut de = serde_json::Deserializer::from_str(text);
    let value = seed.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrows_plain_strings_and_unescapes_others() {
        let plain: Option<JsonStr<'_>> = serde_json::from_str(r#""aes-gcm""#).unwrap();
        assert!(matches!(plain, Some(JsonStr(Cow::Borrowed("aes-gcm")))));
        let escaped: JsonStr<'_> = serde_json::from_str(r#""\u0061es-gcm""#).unwrap();
        assert_eq!(&*escaped, "aes-gcm");
        assert!(serde_json::from_str::<JsonStr<'_>>("5").is_err());
    }

    #[test]
    fn object_parsers_refuse_arrays_and_other_values() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Two {
            a: u8,
            #[serde(default)]
            b: Option<u8>,
        }
        // What the derived impl alone would accept.
        assert_eq!(from_json::<Two>(b"[1]"), Some(Two { a: 1, b: None }));
        assert_eq!(from_json_object::<Two>(b"[1]"), None);
        assert_eq!(from_json_object::<Two>(b" \r\n\t[1,2]"), None);
        assert_eq!(from_json_object::<Two>(b"1"), None);
        assert_eq!(from_json_object::<Two>(b""), None);
        assert_eq!(
            from_json_object::<Two>(b" \n{\"a\":1}"),
            Some(Two { a: 1, b: None })
        );
        assert!(starts_object(b"\t{"));
        assert!(!starts_object(b"\x0c{"), "form feed is not JSON whitespace");
        let seed = core::marker::PhantomData::<Two>;
        assert_eq!(from_json_object_seed(b"[1]", seed), None);
        assert_eq!(from_json_object_seed(br#"{"a":1} x"#, seed), None);
        assert_eq!(
            from_json_object_seed(br#"{"a":1,"b":2} "#, seed),
            Some(Two { a: 1, b: Some(2) })
        );
    }

    #[test]
    fn depth_scan_counts_brackets_outside_strings() {
        let nest = |n: usize| {
            let mut v = alloc::vec![b'['; n];
            v.extend(core::iter::repeat_n(b']', n));
            v
        };
        assert!(json_depth_ok(&nest(MAX_JSON_DEPTH)));
        assert!(!json_depth_ok(&nest(MAX_JSON_DEPTH + 1)));
        // Unclosed nesting counts as deep as it goes.
        assert!(!json_depth_ok(&[b'{'; MAX_JSON_DEPTH + 1]));
        // Brackets inside strings, escaped quotes included, do not count.
        let mut s = alloc::vec![b'"'];
        s.extend_from_slice(b"\\\"");
        s.extend(core::iter::repeat_n(b'[', 300));
        s.push(b'"');
        assert!(json_depth_ok(&s));
        // An escape ends with the character it escapes: the string closes after it and the
        // nesting that follows counts.
        let mut after = b"{\"a\":\"\\n\",\"b\":".to_vec();
        after.extend(nest(MAX_JSON_DEPTH));
        after.push(b'}');
        assert!(!json_depth_ok(&after));
        // Closing brackets past the top do not wrap around.
        let mut odd = alloc::vec![b']'; 10];
        odd.extend(nest(MAX_JSON_DEPTH));
        assert!(json_depth_ok(&odd));
    }
}
