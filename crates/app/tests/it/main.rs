//! The one integration-test binary. Every test gets a fresh database: an SQLite file by
//! default, or a fresh PostgreSQL schema when `GONGZHI_TEST_DATABASE_URL` is set (CI runs
//! the whole suite both ways).

mod admin;
mod audit;
mod auth;
mod browser;
mod cases;
mod consent;
mod contracts;
mod daily;
mod db;
mod devices;
mod disputes;
mod inventory;
mod ledger;
mod matrix;
mod mediation;
mod notify;
mod open311;
mod org;
mod participation;
mod partners;
mod programmes;
mod refusals;
mod renewal;
mod residents;
mod rights;
mod routing;
mod schema;
mod security;
mod support;
mod talents;
mod timebank;
mod twin;
mod votes;
mod web;
