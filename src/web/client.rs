//! The client's IP address: from Loco's remote-ip middleware when it is enabled (behind a
//! proxy that sets `X-Forwarded-For`), else from the socket.
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use loco_rs::controller::middleware::remote_ip::RemoteIP;

#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ip = match RemoteIP::from_request_parts(parts, state).await {
            Ok(RemoteIP::Forwarded(ip) | RemoteIP::Socket(ip)) => Some(ip.to_string()),
            _ => parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(a)| a.ip().to_string()),
        };
        Ok(Self(ip.unwrap_or_else(|| "unknown".to_string())))
    }
}
