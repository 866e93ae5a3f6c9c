//! Curriculum: the Markdown lesson format, parsed and validated into typed values.
