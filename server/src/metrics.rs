//! Prometheus metrics, served on their own address (`--metrics-listen`) so
//! that they are never exposed with the API.
//!
//! | series | kind | labels |
//! |---|---|---|
//! | `mentorship_rpc_requests_total` | counter | `method`, `code` |
//! | `mentorship_rpc_duration_seconds` | histogram | `method` |
//! | `mentorship_log_head_position` | gauge | |
//! | `mentorship_log_groups_total`, `mentorship_log_events_total` | counter | |
//! | `mentorship_log_fsync_seconds_total` | counter | |
//! | `mentorship_log_refused_full_total` | counter | |
//! | `mentorship_log_read_only` | gauge (0, 1) | |
//! | `mentorship_projection_position`, `mentorship_projection_lag_events` | gauge | `projection` |
//! | `mentorship_subscriptions_live` | gauge | |
//!
//! A refused or rate-limited call is a request with its code
//! (`code="ResourceExhausted"`, …). Group-commit size is
//! `rate(events_total) / rate(groups_total)`; mean fsync time
//! `rate(fsync_seconds_total) / rate(groups_total)`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use mentorship_engine::store::{AnyLog, EventLog};
use mentorship_projections::registry::Projections;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tonic::codegen::http;

use crate::services::subscriptions::Subscriptions;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Call {
    method: String,
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Method {
    method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Named {
    projection: String,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms to about 4 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

/// The server's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<Call, Counter>,
    latency: Family<Method, Histogram, fn() -> Histogram>,
}

impl Metrics {
    /// Metrics of the server on `log`, its `projections` and live
    /// `subscriptions`.
    pub fn new(
        log: Arc<AnyLog>,
        projections: Arc<Projections<AnyLog>>,
        subscriptions: Arc<Subscriptions>,
    ) -> Arc<Self> {
        let mut registry = Registry::default();
        let requests = Family::<Call, Counter>::default();
        let latency = Family::<Method, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        registry.register(
            "mentorship_rpc_requests",
            "RPCs answered, by method and status code",
            requests.clone(),
        );
        registry.register(
            "mentorship_rpc_duration_seconds",
            "Time to answer an RPC, by method",
            latency.clone(),
        );
        registry.register_collector(Box::new(Sampled {
            log,
            projections,
            subscriptions,
        }));
        Arc::new(Self {
            registry,
            requests,
            latency,
        })
    }

    /// Records one answered RPC.
    pub fn record(&self, method: &str, code: tonic::Code, seconds: f64) {
        self.requests
            .get_or_create(&Call {
                method: method.to_owned(),
                code: format!("{code:?}"),
            })
            .inc();
        self.latency
            .get_or_create(&Method {
                method: method.to_owned(),
            })
            .observe(seconds);
    }

    /// The text exposition of every series.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// The values read at each scrape from the log, the projections and the
/// subscriptions.
struct Sampled {
    log: Arc<AnyLog>,
    projections: Arc<Projections<AnyLog>>,
    subscriptions: Arc<Subscriptions>,
}

impl std::fmt::Debug for Sampled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sampled").finish_non_exhaustive()
    }
}

fn counter(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    value: impl Into<f64>,
) -> Result<(), std::fmt::Error> {
    let metric = ConstCounter::new(value.into());
    metric.encode(encoder.encode_descriptor(name, help, None, metric.metric_type())?)
}

fn gauge(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    value: i64,
) -> Result<(), std::fmt::Error> {
    let metric = ConstGauge::new(value);
    metric.encode(encoder.encode_descriptor(name, help, None, metric.metric_type())?)
}

/// A gauge family with one sample a projection.
fn per_projection<'a>(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    values: impl Iterator<Item = (&'a str, u64)>,
) -> Result<(), std::fmt::Error> {
    let mut family = encoder.encode_descriptor(
        name,
        help,
        None,
        prometheus_client::metrics::MetricType::Gauge,
    )?;
    for (projection, value) in values {
        let labels = Named {
            projection: projection.to_owned(),
        };
        ConstGauge::new(as_i64(value)).encode(family.encode_family(&labels)?)?;
    }
    Ok(())
}

fn as_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl Collector for Sampled {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let head = self.log.head();
        let stats = self.log.write_stats();
        gauge(
            &mut encoder,
            "mentorship_log_head_position",
            "The last durable position of the log",
            as_i64(head),
        )?;
        counter(
            &mut encoder,
            "mentorship_log_groups",
            "Group commits written, one fdatasync each",
            stats.groups as f64,
        )?;
        counter(
            &mut encoder,
            "mentorship_log_events",
            "Events appended",
            stats.events as f64,
        )?;
        counter(
            &mut encoder,
            "mentorship_log_fsync_seconds",
            "Seconds spent writing and syncing event segments",
            stats.sync_seconds,
        )?;
        counter(
            &mut encoder,
            "mentorship_log_refused_full",
            "Appends refused for a full disk",
            stats.refused_full as f64,
        )?;
        gauge(
            &mut encoder,
            "mentorship_log_read_only",
            "1 when the log takes no appends (damaged, or behind a checkpoint)",
            i64::from(self.log.is_read_only()),
        )?;
        gauge(
            &mut encoder,
            "mentorship_subscriptions_live",
            "Live Subscribe streams",
            as_i64(self.subscriptions.open_count() as u64),
        )?;
        let statuses = self.projections.statuses();
        let positions: Vec<(&str, u64)> = statuses
            .iter()
            .map(|(name, position, ..)| (*name, *position))
            .collect();
        per_projection(
            &mut encoder,
            "mentorship_projection_position",
            "The last position each projection applied",
            positions.iter().copied(),
        )?;
        per_projection(
            &mut encoder,
            "mentorship_projection_lag_events",
            "How many events of the log each projection has yet to apply",
            positions
                .iter()
                .map(|(name, position)| (*name, head.saturating_sub(*position))),
        )?;
        Ok(())
    }
}

/// Serves `GET /metrics` on `listener` until the process ends: one request a
/// connection, HTTP/1.1, as Prometheus scrapes.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        let metrics = Arc::clone(&metrics);
        tokio::spawn(async move {
            let mut request = Vec::with_capacity(1024);
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 8192 {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(read) => request.extend_from_slice(&buf[..read]),
                }
            }
            let (status, body) = if request.starts_with(b"GET /metrics ") {
                ("200 OK", metrics.render())
            } else {
                ("404 Not Found", "not found: GET /metrics\n".to_owned())
            };
            let head = format!(
                "HTTP/1.1 {status}\r\ncontent-type: text/plain; version=0.0.4; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
            let _ = stream.shutdown().await;
        });
    }
}

/// A tower layer that records every RPC's method, code and latency.
#[derive(Debug, Clone)]
pub struct MetricsLayer {
    metrics: Arc<Metrics>,
}

impl MetricsLayer {
    /// A layer recording into `metrics`.
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Self { metrics }
    }
}

impl<S> tower_layer::Layer<S> for MetricsLayer {
    type Service = MetricsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        MetricsService {
            inner,
            metrics: Arc::clone(&self.metrics),
        }
    }
}

/// The service [`MetricsLayer`] wraps around the routes.
#[derive(Debug, Clone)]
pub struct MetricsService<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

impl<S, B, R> tower_service::Service<http::Request<B>> for MetricsService<S>
where
    S: tower_service::Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = http::Response<R>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let method = request.uri().path().to_owned();
        let metrics = Arc::clone(&self.metrics);
        let started = Instant::now();
        let answer = self.inner.call(request);
        Box::pin(async move {
            let response = answer.await?;
            // A refusal is answered at once, its status in the head; an
            // answer's status follows the body, and is OK but for the rare
            // stream that fails midway.
            let code = response
                .headers()
                .get("grpc-status")
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.parse::<i32>().ok())
                .map_or(tonic::Code::Ok, tonic::Code::from_i32);
            metrics.record(&method, code, started.elapsed().as_secs_f64());
            Ok(response)
        })
    }
}
