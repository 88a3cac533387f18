//! Live server inspection (being written).
