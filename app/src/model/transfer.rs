//! Templates as files: what export writes and import reads. An import is all or nothing: a file
//! that cannot be read, is not an OpsFlow template, or holds a template with problems is refused
//! with every problem found, and nothing is saved.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::template::{Template, TemplateProblem};

/// The `format` of every exported file. A future change to the template's shape gets a new one.
pub const FILE_FORMAT: &str = "opsflow-template/1";

/// Files larger than this are refused before parsing. A 200-field template is about 60 KB; the
/// limit stays under the server's 256 KB request limit with room for the JSON that carries it.
pub const MAX_FILE_BYTES: usize = 200 * 1024;

#[derive(Serialize, Deserialize)]
struct TemplateFile {
    format: String,
    template: Template,
}

/// The file for `template`, pretty-printed so it reads well in a diff.
pub fn export_template(template: &Template) -> String {
    let file = TemplateFile { format: FILE_FORMAT.to_owned(), template: template.clone() };
    // A template has only string keys and finite numbers, so this cannot fail.
    serde_json::to_string_pretty(&file).unwrap_or_default()
}

/// One reason an import was refused.
#[derive(Clone, Debug, PartialEq)]
pub enum ImportProblem {
    TooLarge {
        bytes: usize,
    },
    /// Not JSON, or not in the template's shape: serde's reason and where it stopped.
    Unreadable {
        line: usize,
        column: usize,
        reason: String,
    },
    /// JSON of some other kind, or another format version.
    WrongFormat {
        found: Option<String>,
    },
    /// Read fine, but the template could not make a working form.
    Template(TemplateProblem),
}

impl fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportProblem::TooLarge { bytes } => {
                write!(f, "The file is {bytes} bytes; templates are imported up to {MAX_FILE_BYTES} bytes.")
            }
            ImportProblem::Unreadable { line, column, reason } => {
                write!(f, "The file cannot be read at line {line}, column {column}: {reason}.")
            }
            ImportProblem::WrongFormat { found: Some(found) } => {
                write!(f, "The file is in format “{found}”; this version of OpsFlow reads “{FILE_FORMAT}”.")
            }
            ImportProblem::WrongFormat { found: None } => {
                write!(f, "The file is not an OpsFlow template export (it has no “format”: “{FILE_FORMAT}”).")
            }
            ImportProblem::Template(problem) => problem.fmt(f),
        }
    }
}

/// Reads an exported file back into a template that is ready to save.
pub fn import_template(text: &str) -> Result<Template, Vec<ImportProblem>> {
    if text.len() > MAX_FILE_BYTES {
        return Err(vec![ImportProblem::TooLarge { bytes: text.len() }]);
    }
    // The format first, so a file of another kind gets that answer rather than a shape error.
    let found = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) => value.get("format").and_then(|f| f.as_str()).map(str::to_owned),
        Err(error) => return Err(vec![unreadable(&error)]),
    };
    if found.as_deref() != Some(FILE_FORMAT) {
        return Err(vec![ImportProblem::WrongFormat { found }]);
    }
    let file: TemplateFile = serde_json::from_str(text).map_err(|error| vec![unreadable(&error)])?;
    let problems = file.template.problems();
    if problems.is_empty() {
        Ok(file.template)
    } else {
        Err(problems.into_iter().map(ImportProblem::Template).collect())
    }
}

fn unreadable(error: &serde_json::Error) -> ImportProblem {
    // serde's message ends with its own " at line L column C"; the position is reported apart.
    let message = error.to_string();
    let reason = message.split(" at line ").next().unwrap_or(&message).to_owned();
    ImportProblem::Unreadable { line: error.line(), column: error.column(), reason }
}
