//! Proxy routes and their pools: a request with its own `proxy` uses a pool of that route's
//! own, so a connection made through one proxy (or directly) is never reused for a request
//! that asked for another. hyper-util keys its pool by scheme and authority only; the route
//! is the rest of the key.

use std::sync::{Arc, Mutex};

use super::connect::Connector;
use super::{ClientInner, HyperClient, build_pool};
use crate::error::Result;
use crate::proxy::ProxyPolicy;

/// A request's own proxy (`""`: directly), parsed.
#[derive(Clone)]
pub(crate) struct Route {
    key: String,
    policy: Arc<ProxyPolicy>,
}

impl Route {
    /// The route of `proxy` (the syntax of the client's `proxy` option); `INVALID_ARGUMENT`
    /// naming `proxy` for a malformed URL.
    pub(crate) fn parse(proxy: &str) -> Result<Route> {
        let policy = ProxyPolicy::new(Some(proxy))?;
        let key = policy.route_key().unwrap_or_default();
        Ok(Route { key, policy: Arc::new(policy) })
    }
}

/// The route pools kept per pool set; the least recently used is dropped beyond this.
const MAX_ROUTES: usize = 8;

/// The pools of one runtime: the client's own route's, and those of requests' own proxies
/// (made when first used, most recently used first).
#[derive(Clone)]
pub(crate) struct Pools {
    default: HyperClient,
    routes: Arc<Mutex<Vec<(String, HyperClient)>>>,
}

impl Pools {
    pub(super) fn new(inner: &ClientInner) -> Pools {
        Pools { default: build_pool(inner, inner.connector.clone()), routes: Arc::default() }
    }

    /// The pool for a request with `route` (`None`: the client's own).
    pub(super) fn select(&self, route: Option<&Route>, inner: &ClientInner) -> HyperClient {
        let Some(route) = route else { return self.default.clone() };
        if inner.connector.proxy.route_key().as_deref() == Some(route.key.as_str()) {
            return self.default.clone();
        }
        let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = routes.iter().position(|(k, _)| *k == route.key) {
            let entry = routes.remove(i);
            let pool = entry.1.clone();
            routes.insert(0, entry);
            return pool;
        }
        let connector = Connector {
            proxy: route.policy.clone(),
            slots: super::new_slots(&inner.options),
            ..inner.connector.clone()
        };
        let pool = build_pool(inner, connector);
        routes.insert(0, (route.key.clone(), pool.clone()));
        routes.truncate(MAX_ROUTES);
        pool
    }
}
