//! Configuration: schema, layered loading, validation with file positions, paths.
