//! Images made in the test (no files committed) and multipart uploads through a browser.
use std::io::Cursor;

use axum::{
    body::Body,
    http::{Method, Request, header},
};
use image::{ImageBuffer, ImageFormat, Rgb, Rgba};

use super::{Resp, browser::Browser};

/// An opaque gradient of `w` × `h` pixels in `format`.
pub fn picture(w: u32, h: u32, format: ImageFormat) -> Vec<u8> {
    let img = ImageBuffer::from_fn(w, h, |x, y| {
        Rgb([(x * 255 / w.max(1)) as u8, (y * 255 / h.max(1)) as u8, 120])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

pub fn png(w: u32, h: u32) -> Vec<u8> {
    picture(w, h, ImageFormat::Png)
}

pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    picture(w, h, ImageFormat::Jpeg)
}

/// A PNG with transparent pixels.
pub fn transparent_png(w: u32, h: u32) -> Vec<u8> {
    let img = ImageBuffer::from_fn(w, h, |x, _| {
        Rgba([200_u8, 40, 40, if x % 2 == 0 { 0 } else { 255 }])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

const BOUNDARY: &str = "----copydesk-test-boundary-7MA4YWxkTrZu0gW";

/// A multipart body: text `fields` in order, then the file (field `file`) if any.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((file_name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Posts a multipart body to `path` as `b`, with the session's cookie (its token first in
/// the form unless `csrf` says otherwise).
pub async fn post_multipart(b: &Browser, path: &str, body: Vec<u8>) -> Resp {
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::ACCEPT, "text/html")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        );
    if let Some(c) = &b.cookie {
        req = req.header(header::COOKIE, c.clone());
    }
    b.app.send(req.body(Body::from(body)).unwrap(), &b.ip).await
}

/// Uploads `bytes` named `file_name` with `alt` through the admin's upload form.
pub async fn upload(b: &Browser, file_name: &str, bytes: &[u8], alt: &str) -> Resp {
    let csrf = b.csrf().await;
    let body = multipart(
        &[("_csrf", &csrf), ("alt_text", alt)],
        Some((file_name, bytes)),
    );
    post_multipart(b, "/admin/media/upload", body).await
}
