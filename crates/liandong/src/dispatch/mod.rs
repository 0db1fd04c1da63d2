//! Dispatch (派单): proposals from the matching crate for the verified
//! needs in a coordinator's jurisdiction, and the tasks a confirmation
//! makes (legs, goods held, needs matched, the contact rule checked).

pub mod api;
pub mod model;
pub mod pages;
pub mod store;
