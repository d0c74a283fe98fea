//! HTTPS `POST`s to service nodes: HTTP/1.1 over TLS 1.3, one connection per request.
//!
//! Service nodes present self-signed certificates, and Session clients do not verify them: the
//! onion layers, encrypted to keys taken from the node list, carry the security. [`Https`]
//! accepts any certificate accordingly, but still checks the handshake signature made with it,
//! so a connection is at least to whoever holds that certificate's key.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Request, header};
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// The largest answer body read. A storage server's `retrieve` page carries at most 7.8 MB of
/// message data, below this once base64'd, wrapped in JSON and onion-encrypted.
pub const MAX_ANSWER: usize = 16 * 1024 * 1024;

/// Why a `POST` got no HTTP answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The TCP connection failed (refused, unreachable).
    #[error("connect: {0}")]
    Connect(#[source] std::io::Error),
    /// The TLS handshake failed.
    #[error("TLS: {0}")]
    Tls(#[source] std::io::Error),
    /// The HTTP exchange failed (reset, malformed answer).
    #[error("HTTP: {0}")]
    Http(#[source] hyper::Error),
    /// The request could not be formed (a bad path).
    #[error("request: {0}")]
    Request(#[source] hyper::http::Error),
    /// The answer body was larger than allowed.
    #[error("answer larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// No complete answer within the timeout.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
}

/// An HTTP answer.
#[derive(Clone, PartialEq, Eq)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Answer")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Makes `POST`s to service nodes. Cheap to clone (the TLS configuration is shared).
#[derive(Clone)]
pub struct Https {
    connector: TlsConnector,
    timeout: Duration,
    max_answer: usize,
}

impl fmt::Debug for Https {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Https")
            .field("timeout", &self.timeout)
            .field("max_answer", &self.max_answer)
            .finish_non_exhaustive()
    }
}

impl Https {
    /// A client whose requests give up after `timeout` (connection, handshake and answer
    /// together), over rustls with the ring provider, TLS 1.3 only.
    ///
    /// # Errors
    /// The provider's `rustls::Error` if it refused the TLS 1.3 configuration.
    pub fn new(timeout: Duration) -> Result<Self, rustls::Error> {
        Ok(Self::with_config(client_config()?, timeout))
    }

    /// A client over the caller's TLS configuration (e.g. [`client_config`]'s behaviour for
    /// service nodes, with the seed nodes' certificates pinned).
    pub fn with_config(config: Arc<ClientConfig>, timeout: Duration) -> Self {
        Self {
            connector: TlsConnector::from(config),
            timeout,
            max_answer: MAX_ANSWER,
        }
    }

    /// The timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// `POST`s `body` to `path` on `to` and reads the whole answer.
    ///
    /// # Errors
    /// [`HttpError`] when no complete answer came back in time.
    pub async fn post(
        &self,
        to: SocketAddr,
        path: &str,
        body: Vec<u8>,
    ) -> Result<Answer, HttpError> {
        match tokio::time::timeout(self.timeout, self.exchange(to, path, body)).await {
            Ok(answer) => answer,
            Err(_) => Err(HttpError::Timeout(self.timeout)),
        }
    }

    async fn exchange(
        &self,
        to: SocketAddr,
        path: &str,
        body: Vec<u8>,
    ) -> Result<Answer, HttpError> {
        let tcp = TcpStream::connect(to).await.map_err(HttpError::Connect)?;
        // Requests are written whole; don't hold back the last segment.
        tcp.set_nodelay(true).map_err(HttpError::Connect)?;
        let name = ServerName::IpAddress(to.ip().into());
        let tls = self
            .connector
            .connect(name, tcp)
            .await
            .map_err(HttpError::Tls)?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(HttpError::Http)?;
        // The connection future drives the socket; it ends when the exchange is over and the
        // sender is dropped, or with this task's timeout.
        let driver = tokio::spawn(connection);
        let request = Request::post(path)
            .header(header::HOST, to.to_string())
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Full::new(Bytes::from(body)))
            .map_err(HttpError::Request)?;
        let result = async {
            let response = sender
                .send_request(request)
                .await
                .map_err(HttpError::Http)?;
            let status = response.status().as_u16();
            let collected = Limited::new(response.into_body(), self.max_answer)
                .collect()
                .await
                .map_err(|e| match e.downcast::<hyper::Error>() {
                    Ok(e) => HttpError::Http(*e),
                    Err(_) => HttpError::TooLarge {
                        limit: self.max_answer,
                    },
                })?;
            Ok(Answer {
                status,
                body: collected.to_bytes().to_vec(),
            })
        }
        .await;
        drop(sender);
        driver.abort();
        result
    }
}

/// The TLS configuration [`Https`] uses, for callers who make their own connections: TLS 1.3
/// on ring, any certificate accepted (its handshake signature still checked).
///
/// # Errors
/// The provider's `rustls::Error` if it refused the TLS 1.3 configuration.
pub fn client_config() -> Result<Arc<ClientConfig>, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Accepts any certificate (service nodes' are self-signed), and checks that the handshake was
/// signed with its key.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
