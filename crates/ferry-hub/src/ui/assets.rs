//! CSS, JavaScript and the logo, embedded in the binary. URLs carry the hub's version, so a
//! browser may cache them for long and still picks up a new hub's files at once.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("../../assets/app.css");
const JS: &str = include_str!("../../assets/app.js");
const LOGO: &str = include_str!("../../assets/logo.svg");

/// The URL of an embedded asset.
pub(crate) fn url(file: &str) -> String {
    format!("/assets/{file}?v={}", crate::VERSION)
}

fn asset(file: &str) -> Option<(&'static str, &'static str)> {
    match file {
        "app.css" => Some(("text/css; charset=utf-8", CSS)),
        "app.js" => Some(("text/javascript; charset=utf-8", JS)),
        "logo.svg" => Some(("image/svg+xml", LOGO)),
        _ => None,
    }
}

/// `GET /assets/{file}`.
pub(crate) async fn serve(Path(file): Path<String>) -> Response {
    match asset(&file) {
        Some((content_type, body)) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "public, max-age=86400"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset\n").into_response(),
    }
}

/// `GET /favicon.ico`: browsers ask for it whatever the page says; the SVG logo serves.
pub(crate) async fn favicon() -> Response {
    serve(Path("logo.svg".to_string())).await
}
