import Metrics

/// The proxy's connection metrics (Prometheus names).
struct ProxyMetrics: Sendable {
    /// `auditshipper_proxy_connections`: client connections open now.
    let openConnections = Gauge(label: "auditshipper_proxy_connections")
    /// `auditshipper_proxy_connection_limit_reached_total`: times the proxy stopped accepting
    /// because `--max-connections` were open.
    let limitReached = Counter(label: "auditshipper_proxy_connection_limit_reached_total")

    /// Counts a request or connection refused by the guard, under
    /// `auditshipper_proxy_refused_total{reason}`.
    func closed(_ violation: ConnectionGuardStateMachine.Violation) {
        Counter(label: "auditshipper_proxy_refused_total", dimensions: [("reason", violation.rawValue)]).increment()
    }
}
