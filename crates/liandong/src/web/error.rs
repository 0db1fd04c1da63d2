//! One error type for handlers. Internals are logged, never sent; field
//! errors carry a message key rendered in the caller's language.

use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

/// A field and the i18n key of what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub key: &'static str,
    /// A number the message says (`{ $count }`: how much stock is left).
    pub count: Option<i64>,
}

impl FieldError {
    pub fn new(field: &'static str, key: &'static str) -> FieldError {
        FieldError {
            field,
            key,
            count: None,
        }
    }

    /// An error whose message says a number.
    pub fn counted(field: &'static str, key: &'static str, count: i64) -> FieldError {
        FieldError {
            field,
            key,
            count: Some(count),
        }
    }

    /// The message in `lang`.
    pub fn message(&self, lang: crate::web::i18n::Lang) -> String {
        match self.count {
            Some(n) => lang.t_args(self.key, &[("count", n.to_string())]),
            None => lang.t(self.key),
        }
    }
}

/// Collected field errors of one submission.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Ok when nothing was wrong.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self))
        }
    }
    /// The key of the first error on `field`, for showing next to it.
    pub fn key_for(&self, field: &str) -> Option<&'static str> {
        self.first(field).map(|e| e.key)
    }
    /// The first error on `field`.
    pub fn first(&self, field: &str) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field == field)
    }
    /// Require a non-blank value of at most `max` characters.
    pub fn text(&mut self, field: &'static str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.push(FieldError::new(field, "err-required"));
        } else {
            self.optional(field, value, max);
        }
    }
    /// A value that may be blank: at most `max` characters, no control
    /// characters. The one text check every free-text input goes through:
    /// PostgreSQL cannot store NUL, and no person types the others, so
    /// both engines answer the same field error.
    pub fn optional(&mut self, field: &'static str, value: &str, max: usize) {
        if has_control(value) {
            self.push(FieldError::new(field, "err-control-chars"));
        } else if value.chars().count() > max {
            self.push(FieldError::new(field, "err-too-long"));
        }
    }
    /// A reason for an audited action: a few visible characters once every
    /// space and invisible format character is set aside (U+200B or "."
    /// is not a reason), at most `max`.
    pub fn reason(&mut self, field: &'static str, value: &str, max: usize) {
        self.optional(field, value, max);
        if !self.0.iter().any(|e| e.field == field) && visible_chars(value) < MIN_REASON_CHARS {
            self.push(FieldError::new(field, "err-reason-short"));
        }
    }
}

/// Letters or digits a reason must hold (两个汉字 such as 核实 suffice).
pub const MIN_REASON_CHARS: usize = 2;

/// Whether `s` holds a control character other than newline, carriage
/// return and tab (NUL included).
pub fn has_control(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Letters and digits of `s` (any script): what a reader sees as words,
/// leaving out spaces, punctuation and format characters (U+200B, U+FEFF…).
pub fn visible_chars(s: &str) -> usize {
    s.chars().filter(|c| c.is_alphanumeric()).count()
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// A conflict with the current state; the key explains it.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// A conflict whose message names what it conflicts with (the other
    /// squad, when): the key and its arguments.
    #[error("conflict: {0}")]
    Refused(&'static str, Vec<(&'static str, String)>),
    #[error("invalid input")]
    Invalid(Invalid),
    /// Too many attempts; the key explains it.
    #[error("too many requests")]
    TooMany(&'static str),
    /// A request that cannot be read at all (JSON that does not parse).
    #[error("bad request")]
    BadRequest(&'static str),
    /// A body that is not JSON where JSON is taken.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        // A text PostgreSQL cannot hold that reached it past the text
        // check (a lookup key, say) is the caller's input, not a fault.
        if let sqlx::Error::Database(d) = &e
            && matches!(d.code().as_deref(), Some("22021" | "22P05"))
        {
            return AppError::invalid("input", "err-control-chars");
        }
        // Two transactions that took rows in opposite orders (PostgreSQL
        // aborts one): nothing was written, and the same request again
        // will pass.
        if let sqlx::Error::Database(d) = &e
            && matches!(d.code().as_deref(), Some("40P01" | "40001"))
        {
            return AppError::Conflict("err-squad-retry");
        }
        AppError::Internal(e.into())
    }
}

impl AppError {
    pub fn invalid(field: &'static str, key: &'static str) -> AppError {
        AppError::Invalid(Invalid(vec![FieldError::new(field, key)]))
    }

    /// The headline message in `lang`.
    pub fn message(&self, lang: crate::web::i18n::Lang) -> String {
        match self {
            AppError::Refused(key, args) => lang.t_args(key, args),
            _ => lang.t(self.message_key()),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) | AppError::Refused(..) => StatusCode::CONFLICT,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Conflict(_) | AppError::Refused(..) => "conflict",
            AppError::Invalid(_) => "invalid",
            AppError::TooMany(_) => "too_many_requests",
            AppError::BadRequest(_) => "bad_request",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::Internal(_) => "internal",
        }
    }

    /// The i18n key of the headline message.
    pub fn message_key(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "err-unauthorized",
            AppError::Forbidden => "err-forbidden",
            AppError::NotFound => "err-not-found",
            AppError::Conflict(k)
            | AppError::Refused(k, _)
            | AppError::TooMany(k)
            | AppError::BadRequest(k) => k,
            AppError::UnsupportedMediaType => "err-media-type",
            AppError::Invalid(_) => "err-invalid",
            AppError::Internal(_) => "err-internal",
        }
    }
}

/// The JSON body of every API error.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable code: bad_request, unauthorized, forbidden, not_found,
    /// method_not_allowed, conflict, payload_too_large, unsupported_media_type,
    /// invalid, too_many_requests, internal.
    pub error: &'static str,
    /// Human message in the caller's language.
    pub message: String,
    /// Per-field messages when `error` is `invalid`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldMessage>,
}

#[derive(Serialize, ToSchema)]
pub struct FieldMessage {
    pub field: &'static str,
    pub message: String,
}
