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
}
