//! Supply (供给): the item catalogue, depots and stock (never negative,
//! every movement kept), offers of goods, services, vehicles and money,
//! and appeals (征集公告) with pledges, public by reference.
pub mod api;
pub mod model;
pub mod pages;
pub mod store;
