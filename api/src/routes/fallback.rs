//! What answers when no route matched: the frontend for page loads, problems for the API.
//!
//! # Implementation notes
//! actix answers an unmatched method with 404 like an unknown path. To give 405 with `Allow`,
//! the fallback matches the path against the route templates of the generated OpenAPI document,
//! so the list of routes is never written twice.

use std::path::{Component, Path, PathBuf};

use actix_files::NamedFile;
use actix_web::dev::ResourceDef;
use actix_web::{HttpRequest, HttpResponse, Responder, http::Method, web};

use crate::error::ApiError;

/// Route templates and their methods, from the OpenAPI document.
pub struct KnownRoutes(Vec<(ResourceDef, Vec<String>)>);

impl KnownRoutes {
    /// Collects the templates of `openapi`.
    pub fn from_openapi(openapi: &utoipa::openapi::OpenApi) -> Self {
        let routes = openapi
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let ops = [
                    ("DELETE", &item.delete),
                    ("GET", &item.get),
                    ("HEAD", &item.head),
                    ("OPTIONS", &item.options),
                    ("PATCH", &item.patch),
                    ("POST", &item.post),
                    ("PUT", &item.put),
                ];
                let methods: Vec<String> = ops
                    .iter()
                    .filter(|(_, op)| op.is_some())
                    .map(|(m, _)| (*m).to_owned())
                    .collect();
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        Self(routes)
    }

    fn allowed(&self, path: &str) -> Option<Vec<String>> {
        let mut methods: Vec<String> = self
            .0
            .iter()
            .filter(|(def, _)| def.is_match(path))
            .flat_map(|(_, m)| m.iter().cloned())
            .collect();
        if methods.is_empty() {
            return None;
        }
        methods.sort();
        methods.dedup();
        Some(methods)
    }
}

/// Where the built frontend lives, if anywhere.
pub struct StaticDir(pub Option<PathBuf>);

/// The default service.
pub async fn fallback(
    req: HttpRequest,
    known: web::Data<KnownRoutes>,
    static_dir: web::Data<StaticDir>,
) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    if let Some(allowed) = known.allowed(path) {
        return Err(ApiError::MethodNotAllowed(allowed));
    }
    let is_api = path.starts_with("/api/")
        || path == "/api"
        || matches!(path, "/healthz" | "/readyz" | "/metrics");
    if is_api || !(req.method() == Method::GET || req.method() == Method::HEAD) {
        return Err(ApiError::NotFound("route"));
    }
    let Some(root) = &static_dir.0 else {
        return Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(NO_FRONTEND));
    };
    serve_file(&req, root, path)
}

/// The built frontend's file at URL `path` under `root`, or its `index.html` (the app routes
/// in the browser), with the cache and content-type headers each needs.
fn serve_file(req: &HttpRequest, root: &Path, path: &str) -> Result<HttpResponse, ApiError> {
    let file = safe_join(root, path)
        .filter(|p| p.is_file())
        .unwrap_or_else(|| root.join("index.html"));
    let Ok(named) = NamedFile::open(&file) else {
        return Err(ApiError::NotFound("page"));
    };
    // Hashed assets never change; index.html must always be revalidated.
    let immutable = path.starts_with("/assets/");
    let mut response = named.use_etag(true).respond_to(req).map_into_boxed_body();
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let headers = response.headers_mut();
    headers.insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static(cache),
    );
    // The offline shell: the service worker and the web app manifest must carry these
    // types (a browser refuses a worker served as anything but JavaScript), and the
    // worker is revalidated on every check (`no-cache` above) so a new build takes over.
    if let Some(kind) = pwa_content_type(&file) {
        headers.insert(
            actix_web::http::header::CONTENT_TYPE,
            actix_web::http::header::HeaderValue::from_static(kind),
        );
    }
    Ok(response)
}

/// The content type of the service worker and the manifest, which a generic guess may get wrong.
fn pwa_content_type(file: &Path) -> Option<&'static str> {
    match file.extension().and_then(|e| e.to_str()) {
        Some("webmanifest") => Some("application/manifest+json"),
        Some("js") if file.file_name().is_some_and(|n| n == "sw.js") => {
            Some("text/javascript; charset=utf-8")
        }
        _ => None,
    }
}

/// Joins a URL path under `root`, refusing anything that could leave it.
fn safe_join(root: &Path, url_path: &str) -> Option<PathBuf> {
    let relative = Path::new(url_path.trim_start_matches('/'));
    if relative.as_os_str().is_empty() {
        return None;
    }
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    Some(root.join(relative))
}

const NO_FRONTEND: &str = "<!doctype html><meta charset=utf-8><title>dautri</title>\
<p>dautri's API is running. The frontend is not built: run <code>npm --prefix frontend ci && npm --prefix frontend run build</code>, \
or see <a href=/api/docs/>the API documentation</a>.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_escape_the_static_root() {
        let root = Path::new("/srv/app");
        assert_eq!(
            safe_join(root, "/assets/app.js"),
            Some(PathBuf::from("/srv/app/assets/app.js"))
        );
        assert_eq!(safe_join(root, "/../etc/passwd"), None);
        assert_eq!(safe_join(root, "/"), None);
    }
}
