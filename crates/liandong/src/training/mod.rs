//! Training and credentials (培训 / 资质, issue 11): sessions with capacity
//! and attendance, credentials with expiry that task kinds require, duty
//! and service hours with a certificate, feedback, resident leaders (骨干).
pub mod api;
pub mod model;
pub mod pages;
pub mod store;
