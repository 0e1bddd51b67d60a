//! TLS for the HTTPS connection to Flowglad: which backend, which certificates are trusted.
//!
//! - Feature `rustls` (default): reqwest's own rustls backend, with the process-wide default
//!   crypto provider if the application installed one (`CryptoProvider::install_default`,
//!   e.g. aws-lc-rs in FIPS mode), else aws-lc-rs. Server certificates are checked by
//!   `rustls-platform-verifier` (the operating system's trust store); ALPN offers HTTP/2 and
//!   HTTP/1.1. This crate never installs a process-wide provider.
//! - Feature `native-tls`: the platform's TLS library (OpenSSL, Secure Transport, SChannel)
//!   through reqwest; it wins when both features are on.
//!
//! Both are reqwest's features, so an application's own reqwest clients work whatever TLS
//! features they enable themselves (features unify: see `tests/reqwest_compat`).
//!
//! Certificates added with
//! [`ClientBuilder::add_root_certificates_pem`](crate::client::ClientBuilder::add_root_certificates_pem)
//! are trusted besides the platform's own (a self-hosted Flowglad, a proxy that re-signs
//! traffic).

/// Why the TLS configuration could not be made (the raw client reports it as
/// `raw::BuildError::Tls`; this module depends on nothing of the client's).
#[derive(Debug)]
pub(crate) struct TlsError(pub(crate) String);

/// `builder` with this crate's TLS configuration, trusting `extra_roots` (PEM texts, each
/// one certificate or a bundle) besides the platform's roots.
pub(crate) fn configure(
    builder: reqwest::ClientBuilder,
    extra_roots: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder, TlsError> {
    backend::configure(builder, extra_roots)
}

/// `builder` trusting the certificates of every PEM text in `extra_roots`.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn add_roots(
    mut builder: reqwest::ClientBuilder,
    extra_roots: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder, TlsError> {
    for pem in extra_roots {
        let certificates = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| TlsError(format!("invalid root certificate PEM: {e}")))?;
        if certificates.is_empty() {
            return Err(TlsError(
                "a root certificate PEM holds no certificate".into(),
            ));
        }
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    Ok(builder)
}

#[cfg(feature = "native-tls")]
mod backend {
    use super::TlsError;

    pub(super) fn configure(
        builder: reqwest::ClientBuilder,
        extra_roots: &[Vec<u8>],
    ) -> Result<reqwest::ClientBuilder, TlsError> {
        Ok(super::add_roots(builder, extra_roots)?.tls_backend_native())
    }
}

#[cfg(all(feature = "rustls", not(feature = "native-tls")))]
mod backend {
    use super::TlsError;

    pub(super) fn configure(
        builder: reqwest::ClientBuilder,
        extra_roots: &[Vec<u8>],
    ) -> Result<reqwest::ClientBuilder, TlsError> {
        Ok(super::add_roots(builder, extra_roots)?.tls_backend_rustls())
    }
}

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
mod backend {
    use super::TlsError;

    pub(super) fn configure(
        builder: reqwest::ClientBuilder,
        extra_roots: &[Vec<u8>],
    ) -> Result<reqwest::ClientBuilder, TlsError> {
        if extra_roots.is_empty() {
            Ok(builder)
        } else {
            Err(TlsError(
                "root certificates need a TLS backend: enable the `rustls` or `native-tls` feature"
                    .into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests;
