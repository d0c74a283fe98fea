//! The protobuf messages of the 1:1 wire format, derived by hand (no build script, no
//! `protoc`). Fields the schema marks `required` are `Option` here so that absence is visible:
//! prost itself does not enforce `required`.

use alloc::string::String;
use alloc::vec::Vec;

/// `SessionProtos.Envelope`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct EnvelopeProto {
    /// `Type`: SESSION_MESSAGE = 6, CLOSED_GROUP_MESSAGE = 7 (required).
    #[prost(int32, optional, tag = "1")]
    pub(crate) kind: Option<i32>,
    #[prost(string, optional, tag = "2")]
    pub(crate) source: Option<String>,
    /// Milliseconds (required).
    #[prost(uint64, optional, tag = "5")]
    pub(crate) timestamp: Option<u64>,
    #[prost(uint32, optional, tag = "7")]
    pub(crate) source_device: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "8")]
    pub(crate) content: Option<Vec<u8>>,
    #[prost(uint64, optional, tag = "10")]
    pub(crate) server_timestamp: Option<u64>,
    #[prost(bytes = "vec", optional, tag = "11")]
    pub(crate) pro_sig: Option<Vec<u8>>,
}

/// `WebSocketProtos.WebSocketRequestMessage`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct WebSocketRequestProto {
    #[prost(string, optional, tag = "1")]
    pub(crate) verb: Option<String>,
    #[prost(string, optional, tag = "2")]
    pub(crate) path: Option<String>,
    #[prost(bytes = "vec", optional, tag = "3")]
    pub(crate) body: Option<Vec<u8>>,
    #[prost(uint64, optional, tag = "4")]
    pub(crate) request_id: Option<u64>,
    #[prost(string, repeated, tag = "5")]
    pub(crate) headers: Vec<String>,
}

/// `WebSocketProtos.WebSocketMessage`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct WebSocketMessageProto {
    /// UNKNOWN = 0, REQUEST = 1, RESPONSE = 2.
    #[prost(int32, optional, tag = "1")]
    pub(crate) kind: Option<i32>,
    #[prost(message, optional, tag = "2")]
    pub(crate) request: Option<WebSocketRequestProto>,
}

pub(crate) const SESSION_MESSAGE: i32 = 6;
pub(crate) const WS_REQUEST: i32 = 1;

/// `envelope` in a `WebSocketMessage` request as clients store it: empty verb and path (set,
/// so that they are serialized), request id 0.
pub(crate) fn websocket_request(envelope: &EnvelopeProto) -> WebSocketMessageProto {
    use prost::Message as _;
    WebSocketMessageProto {
        kind: Some(WS_REQUEST),
        request: Some(WebSocketRequestProto {
            verb: Some(String::new()),
            path: Some(String::new()),
            body: Some(envelope.encode_to_vec()),
            request_id: Some(0),
            headers: Vec::new(),
        }),
    }
}
