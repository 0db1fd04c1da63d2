//! The dashboard (数据看板) for office heads and the coalition: the
//! Shaanxi four (collected, verified, people answered in emergencies,
//! matched) and the rest, by area one level below the reader's
//! jurisdiction; time from request to verified and to delivered; goods
//! sent by area; escalations now. Charts are SVG drawn by the server.
pub mod api;
pub mod model;
pub mod pages;
pub mod store;
