//! Diagnostics: problems with the input itself (not with what it asks the
//! cluster to do). They carry a location and never the offending value.

use std::sync::Arc;

use serde::Serialize;

use crate::node::Pos;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Warning,
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub level: Level,
    /// A stable code for machines: `yaml-syntax`, `invalid-field`, ...
    pub code: &'static str,
    pub file: Option<Arc<str>>,
    pub pos: Option<Pos>,
    /// The JSON pointer of the offending field, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    pub message: String,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            level: Level::Error,
            code,
            file: None,
            pos: None,
            pointer: None,
            message: message.into(),
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            level: Level::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn in_file(mut self, file: &Arc<str>, pos: Option<Pos>) -> Self {
        self.file = Some(file.clone());
        self.pos = pos;
        self
    }

    pub fn at_pointer(mut self, pointer: String) -> Self {
        self.pointer = Some(pointer);
        self
    }

    /// `file:line:col: ` or as much of it as is known.
    pub fn location(&self) -> String {
        match (&self.file, self.pos) {
            (Some(f), Some(p)) => format!("{f}:{}:{}", p.line, p.col),
            (Some(f), None) => f.to_string(),
            (None, _) => String::new(),
        }
    }
}
