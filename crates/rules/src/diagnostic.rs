//! What a rule reports.

use proxylint_model::Loc;
use proxylint_syntax::{FileId, Span};

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// A place in a file with an optional explanation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label {
    pub file: FileId,
    pub span: Span,
    pub message: Option<String>,
}

impl Label {
    pub fn at(loc: Loc) -> Label {
        Label {
            file: loc.file,
            span: loc.span,
            message: None,
        }
    }

    pub fn with(loc: Loc, message: impl Into<String>) -> Label {
        Label {
            file: loc.file,
            span: loc.span,
            message: Some(message.into()),
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub primary: Label,
    pub related: Vec<Label>,
}

impl Diagnostic {
    /// A finding of rule `code` with the rule's default severity.
    pub fn new(code: &'static str, primary: Label, message: impl Into<String>) -> Diagnostic {
        let severity = crate::by_code(code).map_or(Severity::Error, |r| r.meta().severity);
        Diagnostic {
            code,
            severity,
            message: message.into(),
            help: None,
            primary,
            related: Vec::new(),
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn related(mut self, label: Label) -> Diagnostic {
        self.related.push(label);
        self
    }

    pub fn severity(mut self, severity: Severity) -> Diagnostic {
        self.severity = severity;
        self
    }

    /// The rule's kebab-case name.
    pub fn rule_name(&self) -> &'static str {
        crate::by_code(self.code).map_or("unknown", |r| r.meta().name)
    }
}
