//! HTTPS against a TLS server on 127.0.0.1 whose certificate a per-run certificate authority
//! signed: the added root is trusted, an unknown one is refused, ALPN picks HTTP/2.
//! These run in the published package too (its default features use the rustls backend; the
//! workspace's `--all-features` run uses native-tls).

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::{Error, FlowgladClient};

/// A certificate authority: its PEM (what a client adds) and its issuer (what signs).
fn authority(name: &str) -> (String, CertifiedIssuer<'static, KeyPair>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let issuer =
        CertifiedIssuer::self_signed(params, KeyPair::generate().expect("CA key")).expect("CA");
    (issuer.pem(), issuer)
}

/// What the server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    version: Version,
    path: String,
    authorized: bool,
}

/// An HTTPS server on 127.0.0.1 with a certificate for `127.0.0.1` signed by `issuer`; it
/// answers every request with Flowglad's 404 body and records what it saw.
async fn https_server(
    issuer: &CertifiedIssuer<'static, KeyPair>,
) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("params");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate().expect("key");
    let certificate = params.signed_by(&key, issuer).expect("certificate");
    let chain: Vec<CertificateDer<'static>> = vec![certificate.der().clone()];
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(chain, private)
    .expect("server config");
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("https://{}", listener.local_addr().expect("address"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let log = log.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake here.
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                    log.lock().expect("log").push(Seen {
                        version: request.version(),
                        path: request.uri().path().to_owned(),
                        authorized: request.headers().contains_key("authorization"),
                    });
                    async move {
                        Response::builder()
                            .status(404)
                            .header("content-type", "application/json")
                            .body(Full::new(Bytes::from_static(
                                br#"{"error":{"code":"NOT_FOUND","message":"No default pricing model"}}"#,
                            )))
                    }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (url, seen)
}

fn client(url: &str, root_pem: &str) -> FlowgladClient {
    FlowgladClient::builder()
        .api_key("sk_test_tls")
        .base_url(url)
        .max_retries(0)
        .add_root_certificates_pem(root_pem)
        .build()
        .expect("client")
}

#[tokio::test]
async fn trusts_an_added_root_certificate() {
    let (ca_pem, issuer) = authority("flowglad-rs test CA");
    let (url, seen) = https_server(&issuer).await;

    let error = client(&url, &ca_pem)
        .admin()
        .get_default_pricing_model()
        .await
        .expect_err("the server answers 404");
    assert_eq!(error.status(), Some(404), "{error:?}");
    assert!(matches!(error, Error::Api(_)), "{error:?}");

    let seen = seen.lock().expect("log").clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].path, "/api/v1/pricing-models/default");
    assert!(seen[0].authorized);
    assert_eq!(seen[0].version, Version::HTTP_2, "ALPN offers h2");
}

#[tokio::test]
async fn refuses_a_certificate_no_trusted_root_signed() {
    let (_, issuer) = authority("flowglad-rs server's CA");
    let (other_pem, _) = authority("flowglad-rs other CA");
    let (url, seen) = https_server(&issuer).await;

    let error = client(&url, &other_pem)
        .admin()
        .get_default_pricing_model()
        .await
        .expect_err("the certificate is not trusted");
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert!(
        seen.lock().expect("log").is_empty(),
        "no request got through"
    );
}

#[test]
fn a_pem_without_a_certificate_fails_the_build() {
    for pem in [
        "",
        "not a certificate",
        "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
    ] {
        let error = FlowgladClient::builder()
            .api_key("sk_test_tls")
            .add_root_certificates_pem(pem)
            .build()
            .expect_err(pem);
        assert!(matches!(error, Error::Config(_)), "{error:?}");
        assert!(error.to_string().contains("certificate"), "{error}");
    }
}

#[test]
fn a_builder_shows_how_many_roots_not_their_bytes() {
    let (ca_pem, _) = authority("flowglad-rs test CA");
    let builder = FlowgladClient::builder()
        .api_key("sk_test_tls")
        .add_root_certificates_pem(ca_pem);
    let debug = format!("{builder:?}");
    assert!(debug.contains("1 PEM text(s)"), "{debug}");
    assert!(
        !debug.contains("BEGIN") && !debug.contains("sk_test_tls"),
        "{debug}"
    );
}
