//! Squads (小分队, issue 11): small fixed teams that never mix, vehicles,
//! volunteers' movement (能动 / 被封) and the exposure trace.
pub mod api;
pub mod model;
pub mod pages;
pub mod store;
