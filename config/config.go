// Package config is Orderflow's configuration: one struct with defaults that
// match `make run`, loaded from the environment and validated at start.
package config

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of every subcommand.
type Config struct {
	// DatabaseURL is the Postgres connection URL (DATABASE_URL).
	DatabaseURL string
	// HTTPAddr is where the API listens (HTTP_ADDR).
	HTTPAddr string
	// WorkerHTTPAddr is where `orderflow worker` serves /metrics, /healthz
	// and /readyz (WORKER_HTTP_ADDR); port 0 picks a free port, for tests
	// and several workers on one machine. `orderflow dev` serves them on
	// HTTPAddr with the API instead.
	WorkerHTTPAddr string
	// TemporalAddress is the Temporal frontend host:port (TEMPORAL_ADDRESS).
	TemporalAddress string
	// TemporalNamespace is the Temporal namespace (TEMPORAL_NAMESPACE).
	TemporalNamespace string
	// TemporalTLSCert and TemporalTLSKey are a client certificate for mTLS
	// (TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY: file paths).
	TemporalTLSCert, TemporalTLSKey string
	// TemporalTLSCA is a CA bundle to verify the server (TEMPORAL_TLS_CA).
	TemporalTLSCA string
	// TemporalTLS turns TLS on without a client certificate, e.g. for API-key
	// auth (TEMPORAL_TLS=true). Implied by the certificate settings.
	TemporalTLS bool
	// TemporalTLSServerName overrides the name checked on the server's
	// certificate (TEMPORAL_TLS_SERVER_NAME).
	TemporalTLSServerName string
	// TemporalAPIKey authenticates to Temporal Cloud (TEMPORAL_API_KEY). Secret.
	TemporalAPIKey string
	// CheckoutSyncWait is how long POST /checkout waits for the order before it
	// answers 202 with a status URL (CHECKOUT_SYNC_WAIT, a Go duration).
	CheckoutSyncWait time.Duration
	// LogLevel is debug, info, warn or error (LOG_LEVEL).
	LogLevel slog.Level
	// LogFormat is text or json (LOG_FORMAT).
	LogFormat string
	// TemporalCLI is the Temporal CLI the dev command runs (TEMPORAL_CLI).
	TemporalCLI string
	// TemporalDBFile, when set, makes the dev server persist to this SQLite file
	// instead of memory (TEMPORAL_DB_FILE).
	TemporalDBFile string
	// TemporalUIPort is the dev server's Web UI port (TEMPORAL_UI_PORT).
	TemporalUIPort int
	// TemporalUIURL is the Temporal Web UI's address, such as
	// https://temporal.example.com (TEMPORAL_UI_URL), for the sales desk's
	// links to workflows; empty: the dev server's UI on TemporalUIPort.
	TemporalUIURL string
	// WebhookSecretKey is the AES-256 key that encrypts integrations' webhook
	// secrets at rest (WEBHOOK_SECRET_KEY: 32 bytes, base64). Secret. The
	// default is DevWebhookSecretKey, which is public: `orderflow serve`
	// refuses to start with it (RequireProductionSecrets).
	WebhookSecretKey []byte
	// ERPURL is the base URL of the ERP (or of the adapter in front of it)
	// that speaks the erpapi contract, docs/erp.md (ERP_URL). The default is
	// the sandbox `orderflow dev` starts.
	ERPURL string
	// ERPToken is the bearer token the ERP expects (ERP_TOKEN). Secret.
	ERPToken string
	// ERPTimeout bounds one ERP call (ERP_TIMEOUT, a Go duration); a call that
	// takes longer is retried.
	ERPTimeout time.Duration
	// ERPRetryBudget is how long an order's push retries a failing ERP
	// before it turns stuck for ops (ERP_RETRY_BUDGET, a Go duration).
	ERPRetryBudget time.Duration
	// ERPRetryMaxInterval is the longest wait between two tries of a push
	// (ERP_RETRY_MAX_INTERVAL, a Go duration).
	ERPRetryMaxInterval time.Duration
}

// DevWebhookSecretKey is the WEBHOOK_SECRET_KEY of `orderflow dev`, the demo
// data and the tests (base64). It is published in this repository, so it
// protects nothing: production sets its own.
const DevWebhookSecretKey = "b3JkZXJmbG93IGRldiB3ZWJob29rIGtleSBQVUJMSUM="

// devWebhookSecretKey is DevWebhookSecretKey decoded.
var devWebhookSecretKey, _ = base64.StdEncoding.DecodeString(DevWebhookSecretKey)

// DevWebhookKey is DevWebhookSecretKey's 32 bytes, for tests and tools that
// build the API without loading a configuration.
func DevWebhookKey() []byte { return bytes.Clone(devWebhookSecretKey) }

// Default is the configuration `make run` uses.
func Default() Config {
	return Config{
		DatabaseURL:         "postgres://postgres@127.0.0.1:5432/orderflow?sslmode=disable",
		HTTPAddr:            "127.0.0.1:8080",
		WorkerHTTPAddr:      "127.0.0.1:8081",
		TemporalAddress:     "127.0.0.1:7233",
		TemporalNamespace:   "default",
		CheckoutSyncWait:    5 * time.Second,
		LogLevel:            slog.LevelInfo,
		LogFormat:           "text",
		TemporalCLI:         "bin/temporal",
		TemporalUIPort:      8233,
		WebhookSecretKey:    DevWebhookKey(),
		ERPURL:              "http://127.0.0.1:8090",
		ERPToken:            "sandbox-token",
		ERPTimeout:          30 * time.Second,
		ERPRetryBudget:      24 * time.Hour,
		ERPRetryMaxInterval: 30 * time.Minute,
	}
}

// Load reads the environment over the defaults and validates the result.
func Load() (Config, error) { return load(os.Getenv) }

func load(getenv func(string) string) (Config, error) {
	c := Default()
	var errs []error
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	str("DATABASE_URL", &c.DatabaseURL)
	str("HTTP_ADDR", &c.HTTPAddr)
	str("WORKER_HTTP_ADDR", &c.WorkerHTTPAddr)
	str("TEMPORAL_ADDRESS", &c.TemporalAddress)
	str("TEMPORAL_NAMESPACE", &c.TemporalNamespace)
	str("TEMPORAL_TLS_CERT", &c.TemporalTLSCert)
	str("TEMPORAL_TLS_KEY", &c.TemporalTLSKey)
	str("TEMPORAL_TLS_CA", &c.TemporalTLSCA)
	str("TEMPORAL_TLS_SERVER_NAME", &c.TemporalTLSServerName)
	str("TEMPORAL_API_KEY", &c.TemporalAPIKey)
	str("LOG_FORMAT", &c.LogFormat)
	str("TEMPORAL_CLI", &c.TemporalCLI)
	str("TEMPORAL_DB_FILE", &c.TemporalDBFile)
	str("ERP_URL", &c.ERPURL)
	str("ERP_TOKEN", &c.ERPToken)
	if v := getenv("TEMPORAL_TLS"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("TEMPORAL_TLS: %w", err))
		}
		c.TemporalTLS = b
	}
	if v := getenv("CHECKOUT_SYNC_WAIT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("CHECKOUT_SYNC_WAIT: %w", err))
		}
		c.CheckoutSyncWait = d
	}
	duration := func(name string, dst *time.Duration) {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
			*dst = d
		}
	}
	duration("ERP_TIMEOUT", &c.ERPTimeout)
	duration("ERP_RETRY_BUDGET", &c.ERPRetryBudget)
	duration("ERP_RETRY_MAX_INTERVAL", &c.ERPRetryMaxInterval)
	if v := getenv("TEMPORAL_UI_PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("TEMPORAL_UI_PORT: %w", err))
		}
		c.TemporalUIPort = p
	}
	c.TemporalUIURL = strings.TrimRight(getenv("TEMPORAL_UI_URL"), "/")
	if v := getenv("WEBHOOK_SECRET_KEY"); v != "" {
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
		if err != nil {
			errs = append(errs, errors.New("WEBHOOK_SECRET_KEY: must be base64 (make one with `openssl rand -base64 32`)"))
		}
		c.WebhookSecretKey = key
	}
	if v := getenv("LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			errs = append(errs, fmt.Errorf("LOG_LEVEL: %w", err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// Validate reports every invalid setting at once.
func (c Config) Validate() error {
	var errs []error
	if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		errs = append(errs, errors.New("DATABASE_URL: must be a postgres:// URL"))
	}
	if !strings.Contains(c.HTTPAddr, ":") {
		errs = append(errs, errors.New("HTTP_ADDR: must be host:port"))
	}
	if _, _, err := net.SplitHostPort(c.WorkerHTTPAddr); err != nil {
		errs = append(errs, errors.New("WORKER_HTTP_ADDR: must be host:port"))
	}
	if !strings.Contains(c.TemporalAddress, ":") {
		errs = append(errs, errors.New("TEMPORAL_ADDRESS: must be host:port"))
	}
	if c.TemporalNamespace == "" {
		errs = append(errs, errors.New("TEMPORAL_NAMESPACE: must not be empty"))
	}
	if (c.TemporalTLSCert == "") != (c.TemporalTLSKey == "") {
		errs = append(errs, errors.New("TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY: set both or neither"))
	}
	if c.CheckoutSyncWait < 0 || c.CheckoutSyncWait > time.Minute {
		errs = append(errs, errors.New("CHECKOUT_SYNC_WAIT: must be between 0s and 1m"))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, errors.New("LOG_FORMAT: must be text or json"))
	}
	if u, err := url.Parse(c.ERPURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, errors.New("ERP_URL: must be an http:// or https:// URL"))
	}
	if c.ERPTimeout <= 0 || c.ERPTimeout > 5*time.Minute {
		errs = append(errs, errors.New("ERP_TIMEOUT: must be between 0s (exclusive) and 5m"))
	}
	if c.ERPRetryBudget < time.Minute || c.ERPRetryBudget > 30*24*time.Hour {
		errs = append(errs, errors.New("ERP_RETRY_BUDGET: must be between 1m and 720h"))
	}
	if c.ERPRetryMaxInterval < time.Second || c.ERPRetryMaxInterval > c.ERPRetryBudget {
		errs = append(errs, errors.New("ERP_RETRY_MAX_INTERVAL: must be at least 1s and at most ERP_RETRY_BUDGET"))
	}
	if len(c.WebhookSecretKey) != 32 {
		errs = append(errs, fmt.Errorf("WEBHOOK_SECRET_KEY: must be 32 bytes, base64 (it is %d bytes; make one with `openssl rand -base64 32`)", len(c.WebhookSecretKey)))
	}
	return errors.Join(errs...)
}

// UsesDevWebhookSecretKey tells whether the webhook secrets are sealed with
// the public development key.
func (c Config) UsesDevWebhookSecretKey() bool {
	return bytes.Equal(c.WebhookSecretKey, devWebhookSecretKey)
}

// RequireProductionSecrets refuses the public development defaults: the
// API server (`orderflow serve`) calls it, `orderflow dev` does not.
func (c Config) RequireProductionSecrets() error {
	if c.UsesDevWebhookSecretKey() {
		return errors.New("WEBHOOK_SECRET_KEY: must be set (32 bytes, base64: `openssl rand -base64 32`); " +
			"the built-in key is public and only for `orderflow dev`")
	}
	return nil
}

// TemporalUINamespace is the Temporal Web UI's page of the namespace, which
// workflow links extend: TEMPORAL_UI_URL's, else the dev server's UI on the
// Temporal host.
func (c Config) TemporalUINamespace() string {
	base := c.TemporalUIURL
	if base == "" {
		host, _, _ := net.SplitHostPort(c.TemporalAddress)
		base = fmt.Sprintf("http://%s:%d", host, c.TemporalUIPort)
	}
	return base + "/namespaces/" + url.PathEscape(c.TemporalNamespace)
}

// UseTLS tells whether the Temporal connection uses TLS.
func (c Config) UseTLS() bool {
	return c.TemporalTLS || c.TemporalTLSCert != "" || c.TemporalTLSCA != "" || c.TemporalAPIKey != ""
}

// String renders the configuration for logs, with secrets masked.
func (c Config) String() string {
	db := c.DatabaseURL
	if u, err := url.Parse(db); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		db = u.String()
	}
	apiKey := ""
	if c.TemporalAPIKey != "" {
		apiKey = "xxxxx"
	}
	webhookKey := "xxxxx"
	if c.UsesDevWebhookSecretKey() {
		webhookKey = "dev" // public anyway; saying so helps spot a production server that runs with it
	}
	return fmt.Sprintf("database=%s http=%s worker_http=%s temporal=%s namespace=%s tls=%t api_key=%q checkout_sync_wait=%s log=%s/%s webhook_key=%s erp=%s erp_timeout=%s",
		db, c.HTTPAddr, c.WorkerHTTPAddr, c.TemporalAddress, c.TemporalNamespace, c.UseTLS(), apiKey, c.CheckoutSyncWait, c.LogLevel, c.LogFormat, webhookKey,
		c.ERPURL, c.ERPTimeout)
}
