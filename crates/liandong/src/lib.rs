//! Liandong (联动): help requests, volunteers, vulnerable residents and
//! screening lists shared across a city's offices and organisations.
//! `main.rs` is a thin shim over [`cli::main`]; tests start the real server
//! through [`serve::start`].

/// The names an enum is stored and sent by, derived once (strum, in
/// snake_case like its serde form): `ALL`, `as_str` and `parse`.
macro_rules! named {
    ($ty:ty) => {
        impl $ty {
            pub const ALL: &'static [$ty] = <$ty as strum::VariantArray>::VARIANTS;
            pub fn as_str(self) -> &'static str {
                self.into()
            }
            pub fn parse(s: &str) -> Option<$ty> {
                s.parse().ok()
            }
        }
    };
}
pub(crate) use named;

pub mod access;
pub mod app;
pub mod audit;
pub mod cli;
pub mod db;
pub mod demo;
pub mod divisions;
pub mod needs;
pub mod orgs;
pub mod phone;
pub mod serve;
pub mod tables;
pub mod web;
