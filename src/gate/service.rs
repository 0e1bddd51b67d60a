//! The tower side of a gate: [`RequireLayer`] wraps a service in a [`RequireService`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use tower_service::Service;

use super::{BillingGate, CachedBilling, Requirement, Verdict};

/// A [`tower_layer::Layer`] checking one [`Requirement`] before the inner service; made by
/// [`BillingGate::require_feature`], [`BillingGate::require_usage_balance`] and
/// [`BillingGate::billing`].
#[derive(Clone, Debug)]
pub struct RequireLayer {
    gate: BillingGate,
    requirement: Arc<Requirement>,
}

impl RequireLayer {
    pub(super) fn new(gate: BillingGate, requirement: Requirement) -> Self {
        RequireLayer {
            gate,
            requirement: Arc::new(requirement),
        }
    }

    /// What this layer requires.
    pub fn requirement(&self) -> &Requirement {
        &self.requirement
    }
}

impl<S> tower_layer::Layer<S> for RequireLayer {
    type Service = RequireService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireService {
            inner,
            gate: self.gate.clone(),
            requirement: self.requirement.clone(),
        }
    }
}

/// The service of a [`RequireLayer`]: admitted requests reach the inner service with a
/// [`CachedBilling`] extension; refused ones are answered by the gate.
#[derive(Clone, Debug)]
pub struct RequireService<S> {
    inner: S,
    gate: BillingGate,
    requirement: Arc<Requirement>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RequireService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: From<Bytes>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // The clone that was driven to readiness serves this request.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let gate = self.gate.clone();
        let requirement = self.requirement.clone();
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            match gate.check(parts.clone(), &requirement).await {
                Verdict::Allow(billing) => {
                    if let Some(billing) = billing {
                        parts.extensions.insert(CachedBilling(billing));
                    }
                    inner.call(Request::from_parts(parts, body)).await
                }
                Verdict::Deny(denial) => Ok(gate.answer(&denial).map(ResBody::from)),
            }
        })
    }
}
