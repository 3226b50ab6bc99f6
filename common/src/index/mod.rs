//! The index files depmod writes and modprobe reads (placeholder).
