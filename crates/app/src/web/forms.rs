//! Forms that keep what was typed (UI.md: a refusal never throws the user's input away).
//! A handler that gets a refusal it can explain re-renders its page with the submitted
//! values and a [`Refusal`]: the message in the user's language at the top (`role=alert`)
//! and the field marked `aria-invalid` next to its own message. Anything else (a 404, a
//! 500) still goes to the error page.

use crate::error::AppError;
use crate::i18n::Lang;

/// Why a submitted form was refused, for the page that shows it again.
#[derive(Debug, Clone, Default)]
pub struct Refusal {
    /// The stable code (kept for tests and logs).
    pub code: &'static str,
    /// What to tell the user, in their language.
    pub message: String,
    /// The form field at fault, if one is.
    pub field: Option<&'static str>,
}

impl Refusal {
    /// The refusal of an error a form can explain: invalid input, a conflict with the
    /// object's state, or a rule the role may not pass. `None` for the rest.
    pub fn of(lang: Lang, e: &AppError) -> Option<Refusal> {
        let field = match e {
            AppError::Invalid { field, .. } => *field,
            AppError::Conflict(_) | AppError::Forbidden(_) | AppError::RateLimited(_) => None,
            _ => return None,
        };
        Some(Refusal {
            code: e.code(),
            message: lang.error(e.code()).to_string(),
            field,
        })
    }

    /// Whether `name` is the field at fault (templates mark it).
    pub fn is(&self, name: &str) -> bool {
        self.field == Some(name)
    }
}
