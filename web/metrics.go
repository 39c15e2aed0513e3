package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"portal/store"
)

// metrics are the portal's Prometheus metrics, in a registry of the server's own (no global state).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// Domain counters, incremented by handlers.
	dataRequests *prometheus.CounterVec
	logins       *prometheus.CounterVec
	sseClients   prometheus.Gauge
}

func newMetrics(st *store.Store) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portal_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "portal_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		dataRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portal_data_requests_total", Help: "Company data requests by outcome status at creation.",
		}, []string{"status"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portal_logins_total", Help: "Login attempts by result.",
		}, []string{"result"}),
		sseClients: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "portal_event_streams", Help: "Open citizen event streams.",
		}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.dataRequests, m.logins, m.sseClients,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Group commit at work: writes / transactions is the average batch (store.Store.WriterStats).
	m.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "portal_store_transactions_total",
			Help: "Write transactions the store's writer ran."},
			func() float64 { tx, _ := st.WriterStats(); return float64(tx) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "portal_store_writes_total",
			Help: "Writes the store's writer ran, batched into its transactions."},
			func() float64 { _, w := st.WriterStats(); return float64(w) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "portal_store_checkpoints_total",
			Help: "Checkpoints of the write-ahead log."},
			func() float64 { return float64(st.Checkpoints()) }))
	return m
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
