//! Organisations, onboarding and approval, the coalition and its groups.
pub mod api;
pub mod model;
pub mod pages;
pub mod store;
