//! Recognising credentials by name and by value without ever printing them.
