//! URL slugs: lowercase ASCII words joined by hyphens, made unique per table on demand.
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter};
use unicode_normalization::UnicodeNormalization;

/// The longest slug we generate; titles are cut at a word boundary before this.
pub const MAX_SLUG_LEN: usize = 80;

/// Turns a title into a slug: accents folded (`Café` → `cafe`), anything that is not a
/// letter or digit becomes one hyphen, and the result is cut at a word boundary.
/// Returns `fallback` when nothing usable is left (a title of emoji, say).
#[must_use]
pub fn slugify(input: &str, fallback: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_dash = false;
    for ch in input.nfkd() {
        if unicode_normalization::char::is_combining_mark(ch) {
            continue;
        }
        let ch = match ch {
            'ß' => 's',
            'æ' | 'Æ' => 'a',
            'ø' | 'Ø' => 'o',
            'đ' | 'Đ' => 'd',
            'ł' | 'Ł' => 'l',
            _ => ch,
        };
        if ch.is_ascii_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(ch.to_ascii_lowercase());
        } else if ch == '\'' || ch == '’' {
            // "Editor's notes" reads better as editors-notes than editor-s-notes.
        } else {
            pending_dash = true;
        }
    }
    if out.len() > MAX_SLUG_LEN {
        let cut = out[..MAX_SLUG_LEN].rfind('-').unwrap_or(MAX_SLUG_LEN);
        out.truncate(cut);
    }
    if out.is_empty() {
        fallback.to_string()
    } else {
        out
    }
}

/// Returns `base`, or `base-2`, `base-3`, … : the first one no row of `E` holds in `column`
/// (other than the row `except_id`, when updating).
///
/// # Errors
/// When the database cannot be queried.
pub async fn unique_slug<E, C>(
    db: &C,
    column: E::Column,
    id_column: E::Column,
    base: &str,
    except_id: Option<i32>,
) -> Result<String, DbErr>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ConnectionTrait,
{
    let mut candidate = base.to_string();
    let mut n = 1u32;
    loop {
        let mut query = E::find().filter(column.eq(candidate.as_str()));
        if let Some(id) = except_id {
            query = query.filter(id_column.ne(id));
        }
        if query.count(db).await? == 0 {
            return Ok(candidate);
        }
        n += 1;
        candidate = format!("{base}-{n}");
    }
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs_are_ascii_words() {
        assert_eq!(slugify("Hello, World!", "post"), "hello-world");
        assert_eq!(slugify("  Café  au lait ", "post"), "cafe-au-lait");
        assert_eq!(slugify("Editor's notes", "post"), "editors-notes");
        assert_eq!(slugify("Straße & Ærø", "post"), "strase-aro");
        assert_eq!(slugify("🎉🎉", "post"), "post");
        assert_eq!(slugify("--a--b--", "post"), "a-b");
    }

    #[test]
    fn long_titles_are_cut_at_a_word() {
        let title = "word ".repeat(40);
        let slug = slugify(&title, "post");
        assert!(slug.len() <= super::MAX_SLUG_LEN);
        assert!(!slug.ends_with('-'));
        assert!(slug.ends_with("word"));
    }
}
