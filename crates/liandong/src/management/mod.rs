//! Graded management (分级管理, issue 12): reached subjects managed at a
//! level with a test schedule, PCR results matched to them, released when
//! the schedule is complete.
pub mod api;
pub mod model;
pub mod pages;
pub mod store;
