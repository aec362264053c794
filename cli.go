package main

import (
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"

	"github.com/spf13/cobra"
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
	getenv    func(string) string
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
	dataFlag  string
	levelFlag string
}

// config resolves the global flags with the environment.
func (c *cli) config() (config, error) {
	return resolveConfig(c.dataFlag, c.levelFlag, c.getenv, hostOS())
}

func (c *cli) logger(cfg config) *slog.Logger {
	return slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
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
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see '%s --help')", err, cmd.CommandPath())}
	})
	root.PersistentFlags().StringVar(&c.dataFlag, "data", "", "data directory (env "+envData+"; default: medmarket in the user's data directory)")
	root.PersistentFlags().StringVar(&c.levelFlag, "log-level", "", "log level: debug, info, warn, error (env "+envLogLevel+")")

	root.AddCommand(
		newServeCmd(c),
		newDesktopCmd(c),
		newVersionCmd(c),
	)
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
