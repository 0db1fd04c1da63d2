//! Needs (需求): help requests taken by the hotline, with the community
//! their address lies in, filled by the address resolver.
pub mod api;
pub mod export;
pub mod import;
pub mod model;
pub mod pages;
pub mod store;
