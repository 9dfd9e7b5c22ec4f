//! Where question pictures and the files uploaded as lessons' study materials (PDF, pictures)
//! are kept: under the data directory ([`local`]), or in an S3-compatible object store when one
//! is configured ([`s3`]). A file's name is the SHA-256 of its bytes and its type
//! (`domain::media`), so a stored file never changes, writing one twice is harmless, and both
//! stores use the same layout: `<first two hex digits>/<media name>`.
//!
//! Not found (`Ok(None)`, `Ok(false)`) is told apart from broken ([`ImageStoreError`]): the
//! application answers the first 404 and the second 503, never 500.

pub mod local;
pub mod s3;

use std::time::Duration;

use anyhow::Context;
use secrecy::ExposeSecret;

use crate::config::Settings;

pub use local::LocalImages;
pub use s3::{S3Config, S3Error, S3Images};

/// The picture store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ImageStoreError {
    /// The data directory failed.
    #[error("the picture directory failed")]
    Local(#[from] std::io::Error),
    /// The object store failed or could not be reached.
    #[error(transparent)]
    S3(#[from] S3Error),
}

/// The picture store in force.
#[derive(Debug, Clone)]
pub enum ImageStore {
    /// `<data_dir>/images/`.
    Local(LocalImages),
    /// A bucket of an S3-compatible object store (boxed: it is far larger than a path, and the
    /// state is cloned into every worker).
    S3(Box<S3Images>),
}

impl ImageStore {
    /// The store the settings name: S3 when `DAUTRI_S3__ENDPOINT` is set (and then the bucket
    /// must answer, or startup fails saying which setting to check), otherwise the data
    /// directory.
    pub async fn connect(settings: &Settings) -> anyhow::Result<Self> {
        match s3_config(settings)? {
            None => Ok(Self::Local(LocalImages::new(&settings.data_dir))),
            Some(config) => {
                let store = S3Images::new(&config)?;
                store.check().await.with_context(|| {
                    format!(
                        "the picture bucket `{}` at {} is not usable (DAUTRI_S3__*)",
                        config.bucket, config.endpoint
                    )
                })?;
                Ok(Self::S3(Box::new(store)))
            }
        }
    }

    /// `local` or `s3`, for the startup log.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Local(_) => "local",
            Self::S3(_) => "s3",
        }
    }

    /// Whether the picture is stored.
    pub async fn exists(&self, name: &str) -> Result<bool, ImageStoreError> {
        match self {
            Self::Local(store) => Ok(store.exists(name).await?),
            Self::S3(store) => Ok(store.exists(name).await?),
        }
    }

    /// The picture's bytes, or `None` when there is no such picture (or the name is not a
    /// well-formed image name).
    pub async fn read(&self, name: &str) -> Result<Option<Vec<u8>>, ImageStoreError> {
        match self {
            Self::Local(store) => Ok(store.read(name).await?),
            Self::S3(store) => Ok(store.read(name).await?),
        }
    }

    /// Stores `bytes` under `name`, which the caller computed from them.
    pub async fn write(&self, name: &str, bytes: Vec<u8>) -> Result<(), ImageStoreError> {
        match self {
            Self::Local(store) => Ok(store.write(name, bytes).await?),
            Self::S3(store) => Ok(store.write(name, bytes).await?),
        }
    }
}

/// The S3 settings, when an endpoint is set; an error naming the setting when they are
/// incomplete.
fn s3_config(settings: &Settings) -> anyhow::Result<Option<S3Config>> {
    let Some(endpoint) = settings.s3_endpoint.clone() else {
        for (set, name) in [
            (settings.s3_bucket.is_some(), "DAUTRI_S3__BUCKET"),
            (
                settings.s3_access_key_id.is_some(),
                "DAUTRI_S3__ACCESS_KEY_ID",
            ),
            (
                settings.s3_secret_access_key.is_some(),
                "DAUTRI_S3__SECRET_ACCESS_KEY",
            ),
        ] {
            if set {
                anyhow::bail!(
                    "{name} is set but DAUTRI_S3__ENDPOINT is not: set the endpoint to keep pictures in an object store, or unset {name} to keep them under the data directory"
                );
            }
        }
        return Ok(None);
    };
    if !matches!(endpoint.scheme(), "http" | "https") || endpoint.host_str().is_none() {
        anyhow::bail!("DAUTRI_S3__ENDPOINT must be an http:// or https:// URL (not {endpoint})");
    }
    let bucket = match settings.s3_bucket.as_deref().map(str::trim) {
        Some(b) if !b.is_empty() && !b.contains('/') => b.to_owned(),
        Some(b) => anyhow::bail!("DAUTRI_S3__BUCKET is not a bucket name: {b:?}"),
        None => anyhow::bail!("DAUTRI_S3__BUCKET must be set with DAUTRI_S3__ENDPOINT"),
    };
    let (Some(access_key_id), Some(secret)) = (
        settings.s3_access_key_id.clone(),
        settings.s3_secret_access_key.as_ref(),
    ) else {
        anyhow::bail!(
            "DAUTRI_S3__ACCESS_KEY_ID and DAUTRI_S3__SECRET_ACCESS_KEY must be set with DAUTRI_S3__ENDPOINT"
        );
    };
    if settings.s3_prefix.starts_with('/') {
        anyhow::bail!(
            "DAUTRI_S3__PREFIX must not start with `/` (it is the start of each object key, e.g. `images/`)"
        );
    }
    Ok(Some(S3Config {
        endpoint,
        bucket,
        region: settings.s3_region.clone(),
        access_key_id,
        secret_access_key: secret.expose_secret().to_owned(),
        path_style: settings.s3_path_style,
        prefix: settings.s3_prefix.clone(),
        timeout: Duration::from_secs(settings.s3_timeout_seconds),
    }))
}
