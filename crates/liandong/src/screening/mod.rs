//! Screening follow-up (排查, issue 12): lists in (web and command line),
//! one subject per person, routed to the street office that owns them.
pub mod api;
pub mod cli;
pub mod model;
pub mod pages;
pub mod store;
