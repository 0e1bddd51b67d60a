//! `export` and `setup`: a [`PricingModel`] from and to a live account, on
//! [`FlowgladAdmin`].

use serde::Deserialize;

use super::PricingModel;
use crate::admin::FlowgladAdmin;
use crate::error::{Error, Result};
use crate::raw::types;
use crate::verbatim::Verbatim;

/// `{pricingModel}`: the export answer read as a document, keeping every member it has.
#[derive(Deserialize)]
struct Exported {
    #[serde(rename = "pricingModel")]
    pricing_model: PricingModel,
}

impl FlowgladAdmin {
    /// `GET /api/v1/pricing-models/{id}/export`: the pricing model as a document (the body
    /// [`setup_pricing_model`](Self::setup_pricing_model) takes), members this SDK does not
    /// know included. Save it with [`PricingModel::save`].
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let admin = flowglad::FlowgladClient::from_env()?.admin();
    /// let id = admin.get_default_pricing_model().await?.pricing_model.id.clone();
    /// admin.export_pricing_model(&id).await?.save("pricing.json")?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// The API's error (e.g. not found), or an answer that is not a pricing model.
    pub async fn export_pricing_model(&self, id: &str) -> Result<PricingModel> {
        crate::ids::check_path_id("id", id)?;
        let raw = self.raw();
        let answer: Verbatim<types::PricingModelsExportResponse> = self
            .client()
            .send_verbatim(raw.pricing_models_export(id))
            .await?;
        let exported: Exported =
            serde_json::from_str(answer.json()).map_err(|e| Error::Decode {
                message: format!("the export is not a pricing model: {e}"),
                excerpt: answer.json().chars().take(200).collect(),
            })?;
        Ok(exported.pricing_model)
    }

    /// `POST /api/v1/pricing-models/setup`: creates the pricing model the document describes
    /// and answers it with its ids. The document is sent as it is, members this SDK does not
    /// know included.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let admin = flowglad::FlowgladClient::from_env()?.admin();
    /// let model = flowglad::pricing::PricingModel::load("pricing.json")?;
    /// let created = admin.setup_pricing_model(&model).await?;
    /// println!("created {}", created.pricing_model.id);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// The API's error (e.g. a validation error naming the member at fault).
    pub async fn setup_pricing_model(
        &self,
        model: &PricingModel,
    ) -> Result<types::PricingModelsSetupResponse> {
        let body = bytes::Bytes::from(serde_json::to_vec(model).map_err(|e| {
            Error::validation("pricingModel", format!("cannot be encoded as JSON: {e}"))
        })?);
        let client = self.client();
        client
            .send(client.post_json_body(
                "pricing_models_setup",
                "/api/v1/pricing-models/setup",
                body,
            ))
            .await
    }
}
