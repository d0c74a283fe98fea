//! JSON strings that borrow from the input when they can.
//!
//! serde borrows a `Cow<str>` field only when the field's type is exactly `Cow`; inside an
//! `Option` it always allocates. `JsonStr` borrows whenever the JSON string has no escapes and
//! owns the unescaped text otherwise, in any position.

use alloc::borrow::Cow;
use alloc::string::String;
use core::fmt;
use core::ops::Deref;

use serde::de::{self, Deserialize, Deserializer, Visitor};

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
        // Closing brackets past the top do not wrap around.
        let mut odd = alloc::vec![b']'; 10];
        odd.extend(nest(MAX_JSON_DEPTH));
        assert!(json_depth_ok(&odd));
    }
}
