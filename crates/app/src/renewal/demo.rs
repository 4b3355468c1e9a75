//! The demo's 微更新 (filled in below).
