//! `crate::app`

pub mod config;
pub mod report;
