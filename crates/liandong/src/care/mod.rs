//! Vulnerable residents (脆弱人群, issue 14): the care registry per
//! community, each person's guardian volunteer and backup (临时监护),
//! check-ins and their alarms, coverage and its gaps (read from the zones
//! and volunteers now), promotion of the backup, plan lists.
pub mod api;
pub mod model;
pub mod pages;
pub mod store;
