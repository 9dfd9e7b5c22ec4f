//! Who the client is, when proxies stand in between.
//!
//! `X-Forwarded-For` is a list each proxy appends its peer to: `client, proxy1, proxy2`. Only
//! the entries appended by proxies we run can be believed; anything to their left was written
//! by whoever sent the request, so a client could put any address there and rotate it to
//! dodge a per-address limit. The client is therefore the right-most address that is not one
//! of our trusted proxies, found by walking the chain from the connection's peer leftwards while
//! each hop is trusted. With no trusted proxies (the default) the header is ignored and the
//! peer is the client.

use std::net::IpAddr;
use std::str::FromStr;

use super::Invalid;

/// An address block (`10.0.0.0/8`, `::1/128`) or one address (`127.0.0.1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    base: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// Whether `ip` lies in this block. An IPv4 address written as IPv6 (`::ffff:a.b.c.d`)
    /// counts as the IPv4 one.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.base, canonical(ip)) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(base) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(base) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    }
}

impl FromStr for IpNet {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let base = canonical(
            addr.parse::<IpAddr>()
                .map_err(|_| Invalid::new(format!("`{s}` is not an IP address or CIDR block")))?,
        );
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| Invalid::new(format!("`{s}` has a bad prefix length")))?,
        };
        Ok(Self { base, prefix })
    }
}

impl std::fmt::Display for IpNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.base, self.prefix)
    }
}

/// The client's address: `peer` (the connection's) when it is not a trusted proxy, else the
/// right-most `X-Forwarded-For` hop that is not one. `forwarded` holds the header's values in
/// the order received (several headers are one list). If the chain runs out, or a hop does
/// not parse, the last address known to come from a trusted proxy's view is the answer.
pub fn client_address<'a>(
    peer: IpAddr,
    forwarded: impl IntoIterator<Item = &'a str>,
    trusted: &[IpNet],
) -> IpAddr {
    let peer = canonical(peer);
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        // A trusted proxy wrote this entry: what it says is the address it saw.
        let Some(ip) = parse_hop(hop) else {
            return client;
        };
        client = ip;
        if !is_trusted(ip) {
            return ip;
        }
    }
    client
}

/// One `X-Forwarded-For` entry: an address, possibly `[v6]:port` or `v4:port`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(sock) = hop.parse::<std::net::SocketAddr>() {
        return Some(canonical(sock.ip()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().expect("net")).collect()
    }

    #[test]
    fn blocks_parse_and_contain() {
        let net: IpNet = "10.1.0.0/16".parse().expect("net");
        assert!(net.contains(ip("10.1.200.3")));
        assert!(!net.contains(ip("10.2.0.1")));
        assert!(net.contains(ip("::ffff:10.1.0.9")));
        let one: IpNet = "127.0.0.1".parse().expect("one");
        assert!(one.contains(ip("127.0.0.1")) && !one.contains(ip("127.0.0.2")));
        let v6: IpNet = "fd00::/8".parse().expect("v6");
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        let all: IpNet = "0.0.0.0/0".parse().expect("all");
        assert!(all.contains(ip("8.8.8.8")));
        for bad in ["", "10.0.0.0/33", "nope", "10.0.0.0/x", "::/129"] {
            assert!(bad.parse::<IpNet>().is_err(), "{bad}");
        }
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let got = client_address(ip("203.0.113.9"), ["1.2.3.4"], &[]);
        assert_eq!(got, ip("203.0.113.9"));
    }

    #[test]
    fn an_untrusted_peer_cannot_name_another_client() {
        let trusted = nets(&["10.0.0.0/8"]);
        let got = client_address(ip("203.0.113.9"), ["1.2.3.4, 10.0.0.1"], &trusted);
        assert_eq!(got, ip("203.0.113.9"));
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let trusted = nets(&["10.0.0.0/8", "127.0.0.1"]);
        // The client wrote a fake first entry; the edge proxy appended the real address.
        let got = client_address(
            ip("127.0.0.1"),
            ["6.6.6.6, 198.51.100.7", "10.0.0.5"],
            &trusted,
        );
        assert_eq!(got, ip("198.51.100.7"));
    }

    #[test]
    fn a_chain_of_only_proxies_ends_at_the_left_most() {
        let trusted = nets(&["10.0.0.0/8"]);
        let got = client_address(ip("10.0.0.1"), ["10.0.0.3, 10.0.0.2"], &trusted);
        assert_eq!(got, ip("10.0.0.3"));
        assert_eq!(client_address(ip("10.0.0.1"), [], &trusted), ip("10.0.0.1"));
    }

    #[test]
    fn garbage_stops_at_the_last_trusted_view() {
        let trusted = nets(&["10.0.0.0/8"]);
        let got = client_address(ip("10.0.0.1"), ["1.1.1.1, unknown, 10.0.0.2"], &trusted);
        assert_eq!(got, ip("10.0.0.2"));
        let ported = client_address(ip("10.0.0.1"), ["[2001:db8::1]:443"], &trusted);
        assert_eq!(ported, ip("2001:db8::1"));
    }
}
