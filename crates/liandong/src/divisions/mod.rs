//! The division tree (browse, search) and zones on it.
pub mod api;
pub mod model;
pub mod pages;
pub mod poster;
pub mod resolve;
pub mod store;
