package main

import (
	"log/slog"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// Environment variables that stand in for flags. A flag given on the command
// line wins over its variable.
const (
	envData     = "MEDMARKET_DATA"
	envLogLevel = "MEDMARKET_LOG_LEVEL"
	envAddr     = "MEDMARKET_ADDR"
	envChainRPC = "MEDMARKET_CHAIN_RPC"
	envChainID  = "MEDMARKET_CHAIN_ID"
	// envAllowPrivate: "1" lets the node list and contact providers at
	// loopback and private addresses (a local network), "0" forbids it;
	// unset: allowed on the embedded chain and with a chain node at such an
	// address (app.DefaultAllowPrivateProviders).
	envAllowPrivate = "MEDMARKET_ALLOW_PRIVATE_PROVIDERS"
	// envBlobStore stands in for --blob-store.
	envBlobStore = "MEDMARKET_BLOB_STORE"
)

// blobStoreOptions resolves --blob-store with its variable, and the object
// store's credentials from the standard AWS variables (never from the URL,
// which is logged and shown).
func blobStoreOptions(flag string, getenv func(string) string) app.BlobStoreOptions {
	return app.BlobStoreOptions{
		URL:             firstNonEmpty(flag, getenv(envBlobStore)),
		AccessKeyID:     getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    getenv("AWS_SESSION_TOKEN"),
	}
}

// allowPrivateProviders reads envAllowPrivate: nil when unset.
func allowPrivateProviders(getenv func(string) string) (*bool, error) {
	switch v := strings.ToLower(strings.TrimSpace(getenv(envAllowPrivate))); v {
	case "":
		return nil, nil
	case "1", "true", "yes":
		t := true
		return &t, nil
	case "0", "false", "no":
		f := false
		return &f, nil
	default:
		return nil, marketplace.Errorf(marketplace.EINVALID, "%s: %q is not 1 or 0.", envAllowPrivate, v)
	}
}

const defaultAddr = "127.0.0.1:8080"

// config is what every command needs before it does anything.
type config struct {
	DataDir  string
	LogLevel slog.Level
}

// resolveConfig merges flags (when set), environment and defaults; the log
// level defaults to defaultLevel.
func resolveConfig(dataFlag, levelFlag, defaultLevel string, getenv func(string) string, goos string) (config, error) {
	var c config
	c.DataDir = firstNonEmpty(dataFlag, getenv(envData))
	if c.DataDir == "" {
		d, err := defaultDataDir(getenv, goos)
		if err != nil {
			return c, err
		}
		c.DataDir = d
	}
	level := firstNonEmpty(levelFlag, getenv(envLogLevel), defaultLevel, "info")
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		return c, marketplace.Errorf(marketplace.EINVALID, "--log-level: %q is not one of debug, info, warn, error.", level)
	}
	return c, nil
}

// defaultDataDir is medmarket's folder in the user's data directory, where
// the platform keeps per-user application data.
func defaultDataDir(getenv func(string) string, goos string) (string, error) {
	home := getenv("HOME")
	var base string
	switch goos {
	case "windows":
		base = getenv("LocalAppData")
	case "darwin":
		if home != "" {
			base = filepath.Join(home, "Library", "Application Support")
		}
	default:
		base = getenv("XDG_DATA_HOME")
		if base == "" && home != "" {
			base = filepath.Join(home, ".local", "share")
		}
	}
	if base == "" {
		return "", marketplace.Errorf(marketplace.EINVALID,
			"No data directory: set --data or %s (the user's home directory is unknown).", envData)
	}
	return filepath.Join(base, "medmarket"), nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func hostOS() string { return runtime.GOOS }

// Environment variables that set the anchoring schedule of `serve`.
const (
	envAnchorEveryEntries = "MEDMARKET_ANCHOR_EVERY_ENTRIES"
	envAnchorEvery        = "MEDMARKET_ANCHOR_EVERY"
)

// trialAnchoringFromEnv reads the schedule from MEDMARKET_ANCHOR_EVERY_ENTRIES
// (a count) and MEDMARKET_ANCHOR_EVERY (a Go duration such as 60s); unset
// values keep their defaults.
func trialAnchoringFromEnv(getenv func(string) string) (app.TrialAnchoring, error) {
	var p app.TrialAnchoring
	if s := getenv(envAnchorEveryEntries); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return p, marketplace.Errorf(marketplace.EINVALID, "%s: %q is not a number of entries.", envAnchorEveryEntries, s)
		}
		p.EveryEntries = n
	}
	if s := getenv(envAnchorEvery); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			return p, marketplace.Errorf(marketplace.EINVALID, "%s: %q is not a duration (e.g. 60s).", envAnchorEvery, s)
		}
		p.Every = d
	}
	return p, nil
}
