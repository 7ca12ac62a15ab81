//! The error-code catalogues of PanDA (pilot, transform, server), embedded from `assets/`.
