//! Authentication and authorisation: who calls ([`authenticate`], from API
//! keys, JWTs or, in development mode, a header) and what they may do
//! ([`policy`], one table for every RPC). See ARCHITECTURE.md, "Security".

pub mod api_keys;
pub mod authenticate;
pub mod jwt;
pub mod policy;
pub mod principal;
pub mod rate;
