//! The API's extractors: axum's `Json`, `Path` and `Query`, whose
//! rejections (bad JSON, a wrong content type, an id that is no number, a
//! query that does not parse) answer the project's JSON error body in the
//! caller's language instead of the framework's plain text.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::error::AppError;

#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct Path<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct Query<T>(pub T);

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> AppError {
        match r {
            // Well-formed JSON of the wrong shape: a field error on the body.
            JsonRejection::JsonDataError(_) => AppError::invalid("body", "err-body-shape"),
            JsonRejection::MissingJsonContentType(_) => AppError::UnsupportedMediaType,
            _ => AppError::BadRequest("err-body-json"),
        }
    }
}

impl From<PathRejection> for AppError {
    /// `/api/needs/abc`: no record has that id.
    fn from(_: PathRejection) -> AppError {
        AppError::NotFound
    }
}

impl From<QueryRejection> for AppError {
    fn from(_: QueryRejection) -> AppError {
        AppError::invalid("query", "err-query")
    }
}

/// A page's form (`application/x-www-form-urlencoded`) read with
/// serde_html_form, so that a name repeated by checkboxes fills a `Vec`
/// (axum's `Form` refuses repeated names). A form that cannot be read is
/// a 422 on the body, as with JSON.
pub struct HtmlForm<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for HtmlForm<T> {
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::BadRequest("err-body-json"))?;
        serde_html_form::from_bytes(&bytes)
            .map(HtmlForm)
            .map_err(|_| AppError::invalid("body", "err-body-shape"))
    }
}
