package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// version is set at link time (-ldflags "-X main.version=v1.2.3"); otherwise
// it comes from the module version go install recorded, or "dev".
var version = ""

func binaryVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// cli carries what every command shares: the process's environment and
// streams, and the global flags.
type cli struct {
	getenv     func(string) string
	stdin      io.Reader
	stdout     io.Writer
	stderr     io.Writer
	stdinLines *bufio.Scanner // passphrases read from a pipe, one a line

	dataFlag  string
	levelFlag string
	// defaultLevel is the log level without flag or env: servers log their
	// work ("info"), one-shot commands only problems ("warn").
	defaultLevel string
	passFile     string
	chain        app.ChainOptions
	blobStore    string // --blob-store
}

// config resolves the global flags with the environment.
func (c *cli) config() (config, error) {
	return resolveConfig(c.dataFlag, c.levelFlag, c.defaultLevel, c.getenv, hostOS())
}

func (c *cli) logger(cfg config) *slog.Logger {
	return slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
}

// open resolves the configuration and opens the data directory with its
// chain. Commands open it, work, and close it, so commands in sequence share
// one persistent embedded chain.
func (c *cli) open(ctx context.Context) (*app.App, config, error) {
	cfg, err := c.config()
	if err != nil {
		return nil, cfg, err
	}
	chainOpts := c.chain
	chainOpts.RPC = firstNonEmpty(chainOpts.RPC, c.getenv(envChainRPC))
	if chainOpts.ChainID == 0 {
		if s := c.getenv(envChainID); s != "" {
			if chainOpts.ChainID, err = strconv.ParseUint(s, 10, 64); err != nil {
				return nil, cfg, marketplace.Errorf(marketplace.EINVALID, "%s: %q is not a chain id.", envChainID, s)
			}
		}
	}
	allowPrivate, err := allowPrivateProviders(c.getenv)
	if err != nil {
		return nil, cfg, err
	}
	a, err := app.Open(ctx, app.Options{
		DataDir:               cfg.DataDir,
		Version:               binaryVersion(),
		Logger:                c.logger(cfg),
		Chain:                 chainOpts,
		BlobStore:             blobStoreOptions(c.blobStore, c.getenv),
		LightScrypt:           c.lightScrypt(),
		AllowPrivateProviders: allowPrivate,
	})
	return a, cfg, err
}

func newRootCmd(getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	c := &cli{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "medmarket",
		Short: "A research data marketplace for anonymized health data",
		Long: `medmarket lets patients anonymize their health records and license them to
research teams under smart-contract licences, and lets trial sponsors keep
a signed, tamper-evident audit trail anchored on chain.

Every command works on one data directory (--data, or ` + envData + `).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentPreRun = func(cmd *cobra.Command, args []string) {
		c.defaultLevel = "warn"
		if n := cmd.Name(); n == "serve" || n == "desktop" {
			c.defaultLevel = "info"
		}
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see '%s --help')", err, cmd.CommandPath())}
	})
	root.PersistentFlags().StringVar(&c.dataFlag, "data", "", "data directory (env "+envData+"; default: medmarket in the user's data directory)")
	root.PersistentFlags().StringVar(&c.levelFlag, "log-level", "", "log level: debug, info, warn, error (env "+envLogLevel+")")
	root.PersistentFlags().StringVar(&c.passFile, "passphrase-file", "", "read the account passphrase from this file (else env "+envPassphrase+", else a prompt)")
	root.PersistentFlags().StringVar(&c.chain.RPC, "chain-rpc", "", "JSON-RPC URL of an Ethereum node (http, ws) instead of the embedded chain (env "+envChainRPC+")")
	root.PersistentFlags().Uint64Var(&c.chain.ChainID, "chain-id", 0, "chain id the --chain-rpc node must serve (env "+envChainID+"; 0: accept its own)")
	root.PersistentFlags().StringVar(&c.blobStore, "blob-store", "", "where blobs are kept: s3://BUCKET[/PREFIX]?endpoint=URL for an S3-compatible store, credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (env "+envBlobStore+"; default: the data directory)")
	root.PersistentFlags().StringVar(&c.chain.Deployment, "deployment", "", "contract deployments file (default: deployments.json in the data dir)")
	root.PersistentFlags().StringVar(&c.chain.Market, "market", "", "DataLicenseMarket contract address, overriding the deployments file")
	root.PersistentFlags().StringVar(&c.chain.Registry, "registry", "", "TrialRegistry contract address, overriding the deployments file")

	root.AddCommand(
		newServeCmd(c),
		newDesktopCmd(c),
		newVersionCmd(c),
		newAccountCmd(c),
		newChainCmd(c),
		newTrialCmd(c), newVerifyCmd(c),
		newAnonymizeCmd(c), newPluginsCmd(c), newPluginServeCmd(c),
		newHubCmd(c), newBlobsCmd(c),
		newQueryCmd(c),
		newConfigsCmd(c),
		newPoolCmd(c),
	)
	root.AddCommand(newMarketCmds(c)...)
	return root
}

func newVersionCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of this binary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintf(c.stdout, "medmarket %s\n", binaryVersion())
			return err
		},
	}
}
