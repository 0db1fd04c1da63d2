//! The API's extractors: axum's `Json`, `Path` and `Query`, whose
//! rejections (bad JSON, a wrong content type, an id that is no number, a
//! query that does not parse) answer the project's JSON error body in the
//! caller's language instead of the framework's plain text.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::error::AppError;

pub struct Json<T>(pub T);

/// A JSON body, as axum reads it, and an object: every body the API takes
/// is one, and serde would otherwise read a struct from an array
/// (`[null, null]` as every field left out).
impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Response> {
        let json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| m.trim().to_ascii_lowercase())
            .is_some_and(|m| {
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            });
        if !json {
            return Err(AppError::UnsupportedMediaType.into_response());
        }
        // Within the body limit, or the limit's own 413.
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            let well_formed = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_ok();
            let e = if well_formed {
                AppError::invalid("body", "err-body-shape")
            } else {
                AppError::BadRequest("err-body-json")
            };
            return Err(e.into_response());
        }
        axum::Json::<T>::from_bytes(&bytes)
            .map(|axum::Json(v)| Json(v))
            .map_err(|r| AppError::from(r).into_response())
    }
}

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

/// A list sent as the form's `file` field, read as a table off the async
/// threads and within bounds (at most `max_rows` rows of `max_cols`
/// columns, 20 seconds, whatever the file claims). When the request ends
/// (the sender gave up, the timeout), reading stops too. The file's name,
/// and the table or why it could not be read.
pub async fn list_upload(
    multipart: &mut axum::extract::Multipart,
    max_rows: usize,
    max_cols: usize,
) -> Result<
    (
        String,
        Result<crate::tables::Upload, crate::tables::UploadError>,
    ),
    AppError,
> {
    let mut upload = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::invalid("file", "err-upload"))?
    {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("list.csv").to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|_| AppError::invalid("file", "err-upload"))?;
            upload = Some((name, bytes.to_vec()));
        }
    }
    let Some((name, bytes)) = upload.filter(|(_, b)| !b.is_empty()) else {
        return Err(AppError::invalid("file", "err-upload"));
    };
    let bounds = crate::tables::Bounds {
        max_rows,
        max_cols,
        cancelled: Default::default(),
        time: std::time::Duration::from_secs(20),
    };
    let _stop = StopOnDrop(bounds.cancelled.clone());
    let file = name.clone();
    let table =
        tokio::task::spawn_blocking(move || crate::tables::read_upload(&file, bytes, &bounds))
            .await
            .map_err(anyhow::Error::from)?;
    Ok((name, table))
}

/// Sets its flag when dropped: a blocking read learns that its request
/// has ended.
struct StopOnDrop(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}
