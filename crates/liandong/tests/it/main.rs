//! One integration-test binary: the real router on a real port, on SQLite
//! and on PostgreSQL. Every test is written once and run on both engines
//! by the `both!` macro.
//!
//! PostgreSQL: `LIANDONG_TEST_POSTGRES` (default postgres://postgres@127.0.0.1:5432/postgres);
//! a fresh database is created per test. When the server is unreachable the
//! PostgreSQL variants are skipped with a notice, except under `CI=true`,
//! where they fail.

mod access;
mod adversarial;
mod audit;
mod authz;
mod care;
mod cases;
mod cli;
mod crash;
mod dashboard;
mod dispatch;
mod divisions;
mod duplicates;
mod export;
mod field;
mod hardening;
mod harness;
mod lifecycle;
mod live;
mod management;
mod needs;
mod orgs;
mod platform;
mod screening;
mod sla;
mod squads;
mod supply;
mod training;
mod volunteers;
