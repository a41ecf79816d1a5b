//! The one-time message an admin page shows in its status region after a redirect ("Token
//! revoked."): a short-lived cookie the next admin page reads and clears.
use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

const COOKIE: &str = "copydesk_flash";

/// The message the previous response left, if any.
#[must_use]
pub fn read(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(&format!("{COOKIE}=")))
        .and_then(|v| {
            url::form_urlencoded::parse(format!("m={v}").as_bytes())
                .next()
                .map(|(_, m)| m.into_owned())
        })
        .filter(|m| !m.is_empty())
}

/// Clears the message the page `res` showed, if it showed one, so it is shown once.
pub fn shown(mut res: Response, showed: bool) -> Response {
    if showed {
        set(&mut res, None);
    }
    res
}

/// Leaves `message` for the next admin page, or clears it (`None`) once shown.
pub fn set(res: &mut Response, message: Option<&str>) {
    let cookie = match message {
        Some(m) => format!(
            "{COOKIE}={}; Path=/admin; Max-Age=120; HttpOnly; SameSite=Lax",
            url::form_urlencoded::byte_serialize(m.as_bytes()).collect::<String>()
        ),
        None => format!("{COOKIE}=; Path=/admin; Max-Age=0; HttpOnly; SameSite=Lax"),
    };
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// A redirect to the local admin path `to` that shows `message` in the status region of the
/// admin page it lands on, for actions posted from those pages.
#[must_use]
pub fn redirect(to: &str, message: &str) -> Response {
    let location = HeaderValue::from_str(to)
        .ok()
        .filter(|_| to.starts_with("/admin") && !to.starts_with("//"))
        .unwrap_or(HeaderValue::from_static("/admin"));
    let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
    set(&mut res, Some(message));
    res
}
