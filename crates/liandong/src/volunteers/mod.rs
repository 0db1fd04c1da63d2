//! Volunteers (志愿者): recruitment campaigns, public sign-up, vetting,
//! the volunteers accepted (issue 11).
pub mod api;
pub mod model;
pub mod pages;
pub mod store;
