//! Pictures in an S3-compatible object store (AWS S3, MinIO, Ceph RGW, Garage, …): one object
//! per picture at `<prefix><first two hex digits>/<image name>`, the same layout as the data
//! directory's `images/`, so either can be copied onto the other with any S3 sync tool.
//!
//! Requests are signed by `rusty-s3` (sans-I/O, as presigned URLs valid for a minute) and sent
//! with `reqwest`. Every failure of the store (refused connection, timeout, a status other than
//! the expected ones) is an [`S3Error`], which the application answers as 503; only a 404 means
//! "no such picture".
//!
//! # Implementation notes
//! - A missing object answers 404 only when the key may list the bucket (`s3:ListBucket` on AWS);
//!   without that permission AWS answers 403 and every missing picture would look like an
//!   outage. The README lists the permissions.
//! - Writes are idempotent by construction (the name is the content's hash): a `HEAD` first
//!   skips re-uploading a picture already there, which is the common case when a bank package
//!   is imported again.

use std::time::Duration;

use reqwest::StatusCode;
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

use crate::domain::media::{MediaType, parse_media_name};

/// How long a signed request stays valid: time for the request itself and some clock skew.
const SIGNED_FOR: Duration = Duration::from_secs(60);

/// The largest object read back (a stored picture is at most 2 MiB, a study material's PDF at
/// most 20 MiB; anything larger was not written by dautri and is not read into memory).
const MAX_OBJECT_BYTES: u64 = 24 * 1024 * 1024;

/// Where the store is and how to reach it.
#[derive(Debug, Clone)]
pub struct S3Config {
    /// `https://s3.example.com`, `http://127.0.0.1:9000`.
    pub endpoint: url::Url,
    /// The bucket's name.
    pub bucket: String,
    /// The region requests are signed for (`us-east-1` for most self-hosted servers).
    pub region: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Path-style URLs (`endpoint/bucket/key`, MinIO, Ceph, Garage) rather than virtual-host
    /// style (`bucket.endpoint/key`, AWS).
    pub path_style: bool,
    /// Prepended to every key (`images/`).
    pub prefix: String,
    /// Longest a request may take, connecting included.
    pub timeout: Duration,
}

/// Something went wrong talking to the object store.
#[derive(Debug, thiserror::Error)]
pub enum S3Error {
    /// The store could not be reached or did not answer in time.
    #[error("cannot reach the object store at {endpoint}")]
    Unreachable {
        /// The endpoint, for the log.
        endpoint: String,
        /// What the HTTP client saw.
        #[source]
        source: reqwest::Error,
    },
    /// The store answered with an unexpected status.
    #[error("the object store answered {status} to {action} {key}{hint}")]
    Status {
        /// `GET`, `PUT`, `HEAD`.
        action: &'static str,
        /// The object (or bucket) key.
        key: String,
        /// Its status.
        status: StatusCode,
        /// What that status usually means, for whoever reads the log.
        hint: &'static str,
    },
    /// The store's answer was larger than any picture dautri writes.
    #[error("the object {key} is larger than any picture ({bytes} bytes)")]
    TooLarge {
        /// The object key.
        key: String,
        /// How many bytes it claims or sent.
        bytes: u64,
    },
}

/// Pictures in a bucket.
#[derive(Debug, Clone)]
pub struct S3Images {
    bucket: Bucket,
    credentials: Credentials,
    prefix: String,
    client: reqwest::Client,
    endpoint: String,
}

impl S3Images {
    /// A client for `config`; nothing is sent yet (see [`S3Images::check`]).
    pub fn new(config: &S3Config) -> anyhow::Result<Self> {
        let style = if config.path_style {
            UrlStyle::Path
        } else {
            UrlStyle::VirtualHost
        };
        let bucket = Bucket::new(
            config.endpoint.clone(),
            style,
            config.bucket.clone(),
            config.region.clone(),
        )
        .map_err(|e| anyhow::anyhow!("DAUTRI_S3__ENDPOINT is not usable: {e}"))?;
        let client = reqwest::Client::builder()
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .timeout(config.timeout)
            // A redirect means a wrong region or endpoint: report it, do not follow it.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| anyhow::anyhow!("cannot build the object store's HTTP client: {e}"))?;
        Ok(Self {
            bucket,
            credentials: Credentials::new(
                config.access_key_id.clone(),
                config.secret_access_key.clone(),
            ),
            prefix: config.prefix.clone(),
            client,
            endpoint: config.endpoint.to_string(),
        })
    }

    /// The object key of a well-formed media name (a picture's or a PDF's); `None` for anything else.
    fn key(&self, name: &str) -> Option<String> {
        parse_media_name(name)?;
        Some(format!("{}{}/{name}", self.prefix, &name[..2]))
    }

    fn unreachable(&self, source: reqwest::Error) -> S3Error {
        S3Error::Unreachable {
            endpoint: self.endpoint.clone(),
            source,
        }
    }

    /// Checks that the bucket exists and the key may use it (`HEAD` on the bucket), with an
    /// error that says which of the settings is likely wrong.
    pub async fn check(&self) -> Result<(), S3Error> {
        let url = self
            .bucket
            .head_bucket(Some(&self.credentials))
            .sign(SIGNED_FOR);
        let response = self
            .client
            .head(url)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        match response.status() {
            s if s.is_success() => Ok(()),
            status => Err(S3Error::Status {
                action: "HEAD",
                key: format!("bucket {}", self.bucket.name()),
                status,
                hint: match status {
                    StatusCode::NOT_FOUND => {
                        " (no such bucket: check DAUTRI_S3__BUCKET, or create it)"
                    }
                    StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED => {
                        " (access denied: check DAUTRI_S3__ACCESS_KEY_ID, DAUTRI_S3__SECRET_ACCESS_KEY and the key's permissions)"
                    }
                    StatusCode::BAD_REQUEST
                    | StatusCode::MOVED_PERMANENTLY
                    | StatusCode::TEMPORARY_REDIRECT => {
                        " (check DAUTRI_S3__REGION, DAUTRI_S3__ENDPOINT and DAUTRI_S3__PATH_STYLE)"
                    }
                    _ => "",
                },
            }),
        }
    }

    /// Whether the picture is stored.
    pub async fn exists(&self, name: &str) -> Result<bool, S3Error> {
        let Some(key) = self.key(name) else {
            return Ok(false);
        };
        let url = self
            .bucket
            .head_object(Some(&self.credentials), &key)
            .sign(SIGNED_FOR);
        let response = self
            .client
            .head(url)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        match response.status() {
            s if s.is_success() => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            status => Err(status_error("HEAD", key, status)),
        }
    }

    /// The picture's bytes, or `None` when there is no such picture.
    pub async fn read(&self, name: &str) -> Result<Option<Vec<u8>>, S3Error> {
        let Some(key) = self.key(name) else {
            return Ok(None);
        };
        let url = self
            .bucket
            .get_object(Some(&self.credentials), &key)
            .sign(SIGNED_FOR);
        let mut response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        match response.status() {
            s if s.is_success() => {}
            StatusCode::NOT_FOUND => return Ok(None),
            status => return Err(status_error("GET", key, status)),
        }
        if let Some(bytes) = response.content_length()
            && bytes > MAX_OBJECT_BYTES
        {
            return Err(S3Error::TooLarge { key, bytes });
        }
        let mut body = Vec::with_capacity(
            usize::try_from(response.content_length().unwrap_or(0)).unwrap_or(0),
        );
        while let Some(chunk) = response.chunk().await.map_err(|e| self.unreachable(e))? {
            body.extend_from_slice(&chunk);
            let read = u64::try_from(body.len()).unwrap_or(u64::MAX);
            if read > MAX_OBJECT_BYTES {
                return Err(S3Error::TooLarge { key, bytes: read });
            }
        }
        Ok(Some(body))
    }

    /// Stores `bytes` under `name`, as the picture type its name says; a picture already
    /// stored is not sent again.
    pub async fn write(&self, name: &str, bytes: Vec<u8>) -> Result<(), S3Error> {
        let (Some(key), Some(kind)) = (self.key(name), parse_media_name(name)) else {
            return Err(S3Error::Status {
                action: "PUT",
                key: name.to_owned(),
                status: StatusCode::BAD_REQUEST,
                hint: " (not a media name)",
            });
        };
        if self.exists(name).await? {
            return Ok(());
        }
        let mut action = self.bucket.put_object(Some(&self.credentials), &key);
        action
            .headers_mut()
            .insert("content-type", content_type(kind));
        let url = action.sign(SIGNED_FOR);
        let response = self
            .client
            .put(url)
            .header(reqwest::header::CONTENT_TYPE, content_type(kind))
            .body(bytes)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        match response.status() {
            s if s.is_success() => Ok(()),
            status => Err(status_error("PUT", key, status)),
        }
    }
}

fn content_type(kind: MediaType) -> &'static str {
    kind.mime()
}

fn status_error(action: &'static str, key: String, status: StatusCode) -> S3Error {
    S3Error::Status {
        action,
        key,
        status,
        hint: match status {
            StatusCode::FORBIDDEN => {
                " (access denied: the key needs s3:GetObject, s3:PutObject and s3:ListBucket)"
            }
            _ => "",
        },
    }
}
