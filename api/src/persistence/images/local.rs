//! Pictures as files under the data directory, by content:
//! `<data_dir>/images/<first two hex digits>/<image name>`. Writing goes through a temporary file
//! and a rename, so a reader never sees half a picture. File work runs on the blocking pool.

use std::io;
use std::path::{Path, PathBuf};

use crate::domain::media::parse_media_name;

/// Pictures in a directory.
#[derive(Debug, Clone)]
pub struct LocalImages {
    root: PathBuf,
}

impl LocalImages {
    /// The store under `data_dir`.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join("images"),
        }
    }

    /// The file of a well-formed media name; `None` for anything else (a path, a URL), so a
    /// name can never point outside the store.
    fn path(&self, name: &str) -> Option<PathBuf> {
        parse_media_name(name)?;
        Some(self.root.join(&name[..2]).join(name))
    }

    /// Whether the picture is stored.
    pub async fn exists(&self, name: &str) -> io::Result<bool> {
        match self.path(name) {
            Some(path) => blocking(move || Ok(path.is_file())).await,
            None => Ok(false),
        }
    }

    /// The picture's bytes, or `None` when there is no such picture.
    pub async fn read(&self, name: &str) -> io::Result<Option<Vec<u8>>> {
        let Some(path) = self.path(name) else {
            return Ok(None);
        };
        blocking(move || match std::fs::read(path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        })
        .await
    }

    /// Stores `bytes` under `name`; storing the same picture again does nothing.
    pub async fn write(&self, name: &str, bytes: Vec<u8>) -> io::Result<()> {
        let path = self
            .path(name)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a media name"))?;
        let root = self.root.clone();
        let name = name.to_owned();
        blocking(move || {
            if path.is_file() {
                return Ok(());
            }
            let dir = path.parent().unwrap_or(&root);
            std::fs::create_dir_all(dir)?;
            let tmp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
            std::fs::write(&tmp, &bytes)?;
            std::fs::rename(&tmp, &path).inspect_err(|_| {
                let _ = std::fs::remove_file(&tmp);
            })
        })
        .await
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(io::Error::other)?
}
