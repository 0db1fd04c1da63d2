//! Accounts, roles, sign-in, sessions and the caller's `Scope`.
pub mod api;
pub mod limiter;
pub mod model;
pub mod pages;
pub mod password;
pub mod session_store;
pub mod store;
