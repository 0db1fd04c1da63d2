//! Liandong (联动): help requests, volunteers, vulnerable residents and
//! screening lists shared across a city's offices and organisations.
//! `main.rs` is a thin shim over [`cli::main`]; tests start the real server
//! through [`serve::start`].

pub mod access;
pub mod audit;
pub mod cli;
pub mod db;
pub mod demo;
pub mod divisions;
pub mod needs;
pub mod orgs;
pub mod serve;
pub mod tables;
pub mod web;
