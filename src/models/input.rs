//! Validation rules every text input shares, whichever form or API brings it.
use validator::ValidationError;

/// Refuses text holding a NUL character: PostgreSQL cannot store one in a text column (and
/// SQLite would keep it silently), so both databases give the same answer: this message
/// next to the field.
///
/// # Errors
/// When `value` holds a NUL character.
pub fn no_nul(value: &str) -> Result<(), ValidationError> {
    if value.contains('\0') {
        return Err(ValidationError::new("nul").with_message(
            "Remove the invisible control character (a NUL byte) from this field.".into(),
        ));
    }
    Ok(())
}
