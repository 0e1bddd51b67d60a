//! Reading and writing a [`PricingModel`] as JSON or YAML (YAML with the `yaml` feature).

use std::path::Path;

use crate::document::PricingModel;

/// Why a pricing model file could not be read, written or turned into code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PricingError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The JSON is not a pricing model document.
    #[error("not a pricing model (JSON): {0}")]
    Json(#[from] serde_json::Error),
    /// The YAML is not a pricing model document.
    #[cfg(feature = "yaml")]
    #[error("not a pricing model (YAML): {0}")]
    Yaml(#[from] serde_yaml_ng::Error),
    /// The file's extension names no format this build reads (`.json`; `.yaml` / `.yml`
    /// with the `yaml` feature).
    #[error(
        "{0}: unsupported pricing model format (use .json, or .yaml/.yml with the `yaml` feature)"
    )]
    UnsupportedFormat(String),
    /// The document is readable but cannot be used (e.g. two slugs make one constant name).
    #[error("{0}")]
    Invalid(String),
}

/// A file format of pricing model documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// JSON.
    Json,
    /// YAML (needs the `yaml` feature to read or write).
    Yaml,
}

impl Format {
    /// The format a path's extension names: `.json`, `.yaml` or `.yml`.
    ///
    /// # Errors
    ///
    /// [`PricingError::UnsupportedFormat`] for any other extension.
    pub fn of_path(path: &Path) -> Result<Self, PricingError> {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("json") => Ok(Format::Json),
            Some(e) if e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml") => {
                Ok(Format::Yaml)
            }
            _ => Err(PricingError::UnsupportedFormat(path.display().to_string())),
        }
    }
}

impl PricingModel {
    /// Reads a document from JSON text.
    ///
    /// # Errors
    ///
    /// [`PricingError::Json`] when the text is not a pricing model.
    pub fn from_json(text: &str) -> Result<Self, PricingError> {
        Ok(serde_json::from_str(text)?)
    }

    /// The document as pretty-printed JSON (ends with a newline).
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a pricing model is JSON");
        text.push('\n');
        text
    }

    /// Reads a document from YAML text.
    ///
    /// # Errors
    ///
    /// [`PricingError::Yaml`] when the text is not a pricing model.
    #[cfg(feature = "yaml")]
    pub fn from_yaml(text: &str) -> Result<Self, PricingError> {
        Ok(serde_yaml_ng::from_str(text)?)
    }

    /// The document as YAML.
    ///
    /// # Errors
    ///
    /// [`PricingError::Yaml`] when the emitter fails.
    #[cfg(feature = "yaml")]
    pub fn to_yaml(&self) -> Result<String, PricingError> {
        Ok(serde_yaml_ng::to_string(self)?)
    }

    /// Reads a document from text in `format`.
    ///
    /// # Errors
    ///
    /// The text is not a pricing model in that format, or the format is YAML and the `yaml`
    /// feature is off.
    pub fn parse(text: &str, format: Format) -> Result<Self, PricingError> {
        match format {
            Format::Json => Self::from_json(text),
            #[cfg(feature = "yaml")]
            Format::Yaml => Self::from_yaml(text),
            #[cfg(not(feature = "yaml"))]
            Format::Yaml => Err(PricingError::UnsupportedFormat(
                "YAML (the `yaml` feature is off)".into(),
            )),
        }
    }

    /// The document as text in `format`.
    ///
    /// # Errors
    ///
    /// The format is YAML and the `yaml` feature is off, or the YAML emitter fails.
    pub fn render(&self, format: Format) -> Result<String, PricingError> {
        match format {
            Format::Json => Ok(self.to_json()),
            #[cfg(feature = "yaml")]
            Format::Yaml => self.to_yaml(),
            #[cfg(not(feature = "yaml"))]
            Format::Yaml => Err(PricingError::UnsupportedFormat(
                "YAML (the `yaml` feature is off)".into(),
            )),
        }
    }

    /// Reads a document from a file; the extension picks the format (`.json`, `.yaml`, `.yml`).
    ///
    /// ```no_run
    /// # fn main() -> Result<(), flowglad_pricing::PricingError> {
    /// let model = flowglad_pricing::PricingModel::load("pricing.json")?;
    /// println!("{} products", model.products.len());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// The file cannot be read, has another extension, or is not a pricing model.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, PricingError> {
        let path = path.as_ref();
        let format = Format::of_path(path)?;
        let text = std::fs::read_to_string(path).map_err(|source| PricingError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, format)
    }

    /// Writes the document to a file; the extension picks the format.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), flowglad_pricing::PricingError> {
    /// let model = flowglad_pricing::PricingModel::load("pricing.json")?;
    /// model.save("pricing.copy.json")?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// The extension names no supported format, or the file cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), PricingError> {
        let path = path.as_ref();
        let text = self.render(Format::of_path(path)?)?;
        std::fs::write(path, text).map_err(|source| PricingError::Io {
            path: path.display().to_string(),
            source,
        })
    }
}
