//! The community's programmes: 社区食堂's price tiers and funding split, and 四点半课堂's
//! outcome measures (change before → after with its 95 % interval, computed from rows).

pub mod canteen;
pub mod outcomes;
