//! TLS for the HTTPS connection to Flowglad: which backend, which crypto provider, which
//! certificates are trusted.
//!
//! - Feature `rustls` (default): rustls with the process-wide default crypto provider if the
//!   application installed one (`CryptoProvider::install_default`, e.g. aws-lc-rs in FIPS
//!   mode), else `ring`. Server certificates are checked by `rustls-platform-verifier` (the
//!   operating system's trust store), as reqwest itself does; ALPN offers HTTP/2 and
//!   HTTP/1.1. This crate never installs a process-wide provider.
//! - Feature `native-tls`: the platform's TLS library (OpenSSL, Secure Transport, SChannel)
//!   through reqwest; it wins when both features are on.
//!
//! Certificates added with
//! [`ClientBuilder::add_root_certificates_pem`](crate::client::ClientBuilder::add_root_certificates_pem)
//! are trusted besides the platform's own (a self-hosted Flowglad, a proxy that re-signs
//! traffic).

use crate::raw::BuildError;

/// `builder` with this crate's TLS configuration, trusting `extra_roots` (PEM texts, each
/// one certificate or a bundle) besides the platform's roots.
pub(crate) fn configure(
    builder: reqwest::ClientBuilder,
    extra_roots: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder, BuildError> {
    backend::configure(builder, extra_roots)
}

#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn no_certificate() -> BuildError {
    BuildError::Tls("a root certificate PEM holds no certificate".into())
}

#[cfg(feature = "native-tls")]
mod backend {
    use super::{BuildError, no_certificate};

    pub(super) fn configure(
        mut builder: reqwest::ClientBuilder,
        extra_roots: &[Vec<u8>],
    ) -> Result<reqwest::ClientBuilder, BuildError> {
        for pem in extra_roots {
            let certificates = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| BuildError::Tls(format!("invalid root certificate PEM: {e}")))?;
            if certificates.is_empty() {
                return Err(no_certificate());
            }
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        Ok(builder.tls_backend_native())
    }
}

#[cfg(all(feature = "rustls", not(feature = "native-tls")))]
mod backend {
    use std::sync::Arc;

    use rustls::crypto::CryptoProvider;
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    use rustls_platform_verifier::Verifier;

    use super::{BuildError, no_certificate};

    pub(super) fn configure(
        builder: reqwest::ClientBuilder,
        extra_roots: &[Vec<u8>],
    ) -> Result<reqwest::ClientBuilder, BuildError> {
        let provider = CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
        let verifier = verifier(extra_roots, provider.clone())?;
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        // reqwest leaves ALPN to whoever built the configuration.
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(builder.tls_backend_preconfigured(config))
    }

    fn verifier(
        extra_roots: &[Vec<u8>],
        provider: Arc<CryptoProvider>,
    ) -> Result<Verifier, BuildError> {
        if extra_roots.is_empty() {
            return Verifier::new(provider).map_err(tls_error);
        }
        let mut roots = Vec::new();
        for pem in extra_roots {
            let before = roots.len();
            for certificate in CertificateDer::pem_slice_iter(pem) {
                roots.push(
                    certificate.map_err(|e| {
                        BuildError::Tls(format!("invalid root certificate PEM: {e}"))
                    })?,
                );
            }
            if roots.len() == before {
                return Err(no_certificate());
            }
        }
        with_extra_roots(roots, provider)
    }

    #[cfg(not(target_os = "android"))]
    fn with_extra_roots(
        roots: Vec<CertificateDer<'static>>,
        provider: Arc<CryptoProvider>,
    ) -> Result<Verifier, BuildError> {
        Verifier::new_with_extra_roots(roots, provider).map_err(tls_error)
    }

    #[cfg(target_os = "android")]
    fn with_extra_roots(
        _roots: Vec<CertificateDer<'static>>,
        _provider: Arc<CryptoProvider>,
    ) -> Result<Verifier, BuildError> {
        Err(BuildError::Tls(
            "extra root certificates are not supported on Android (the platform verifier uses the system's trust store only)".into(),
        ))
    }

    fn tls_error(error: rustls::Error) -> BuildError {
        BuildError::Tls(error.to_string())
    }
}

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
mod backend {
    use super::BuildError;

    pub(super) fn configure(
        builder: reqwest::ClientBuilder,
        extra_roots: &[Vec<u8>],
    ) -> Result<reqwest::ClientBuilder, BuildError> {
        if extra_roots.is_empty() {
            Ok(builder)
        } else {
            Err(BuildError::Tls(
                "root certificates need a TLS backend: enable the `rustls` or `native-tls` feature"
                    .into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests;
