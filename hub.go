package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// Hub settings of `serve`, from the environment: what sellers may leave on
// this node as a hub, and who may.
const (
	envHubMaxUnlisted         = "MEDMARKET_HUB_MAX_UNLISTED"           // uploads per seller not listed yet (default 20)
	envHubMaxBytes            = "MEDMARKET_HUB_MAX_BYTES"              // bytes stored per seller: 2147483648, 512MiB, 2GiB (default 2GiB)
	envHubMaxUnlistedBytes    = "MEDMARKET_HUB_MAX_UNLISTED_BYTES"     // bytes of unlisted uploads, all sellers (default 20GiB)
	envHubUploadsPerMinute    = "MEDMARKET_HUB_UPLOADS_PER_MINUTE"     // uploads started per minute, all keys (default 60)
	envHubKeyUploadsPerMinute = "MEDMARKET_HUB_KEY_UPLOADS_PER_MINUTE" // uploads started per minute by one key (default 10)
	envHubUploadTTL           = "MEDMARKET_HUB_UPLOAD_TTL"             // how long an upload may stay unlisted: a Go duration, 168h (default 7 days)
	envHubAdmission           = "MEDMARKET_HUB_ADMISSION"              // open (default), allow-list, balance
	envHubMinBalance          = "MEDMARKET_HUB_MIN_BALANCE"            // ether an uploader holds under "balance": 0.1
)

// hubConfigFromEnv reads the MEDMARKET_HUB_* variables; unset ones keep
// their defaults. Each bad value is EINVALID naming its variable.
func hubConfigFromEnv(getenv func(string) string) (app.HubConfig, error) {
	var c app.HubConfig
	count := func(name string, dst *int) error {
		if s := strings.TrimSpace(getenv(name)); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n <= 0 {
				return marketplace.Errorf(marketplace.EINVALID, "%s: %q is not a positive number.", name, s)
			}
			*dst = n
		}
		return nil
	}
	size := func(name string, dst *int64) error {
		if s := strings.TrimSpace(getenv(name)); s != "" {
			n, err := parseBytes(s)
			if err != nil || n <= 0 {
				return marketplace.Errorf(marketplace.EINVALID, "%s: %q is not a positive size (e.g. 2147483648, 512MiB, 2GiB).", name, s)
			}
			*dst = n
		}
		return nil
	}
	for _, err := range []error{
		count(envHubMaxUnlisted, &c.MaxUnlistedUploads),
		size(envHubMaxBytes, &c.MaxSellerBytes),
		size(envHubMaxUnlistedBytes, &c.MaxUnlistedBytes),
		count(envHubUploadsPerMinute, &c.UploadsPerMinute),
		count(envHubKeyUploadsPerMinute, &c.KeyUploadsPerMinute),
	} {
		if err != nil {
			return c, err
		}
	}
	if s := strings.TrimSpace(getenv(envHubUploadTTL)); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return c, marketplace.Errorf(marketplace.EINVALID, "%s: %q is not a positive duration (e.g. 168h).", envHubUploadTTL, s)
		}
		c.UploadTTL = d
	}
	c.Admission = app.HubAdmission(strings.TrimSpace(getenv(envHubAdmission)))
	if s := strings.TrimSpace(getenv(envHubMinBalance)); s != "" {
		wei, err := marketplace.ParseEther(s)
		if err != nil {
			return c, marketplace.Errorf(marketplace.EINVALID, "%s: %q is not an amount of ether (e.g. 0.1).", envHubMinBalance, s)
		}
		c.MinBalance = wei
	}
	if err := c.Validate(); err != nil {
		return c, marketplace.Errorf(marketplace.EINVALID, "%s, %s: %s", envHubAdmission, envHubMinBalance, marketplace.ErrorMessage(err))
	}
	return c, nil
}

// parseBytes reads a byte count with an optional binary unit suffix.
func parseBytes(s string) (int64, error) {
	mult := int64(1)
	for i, u := range []string{"KiB", "MiB", "GiB", "TiB"} {
		if strings.HasSuffix(s, u) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u)), int64(1)<<(10*(i+1))
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, err
	}
	if n > (1<<62)/mult {
		return 0, strconv.ErrRange
	}
	return n * mult, nil
}

// newHubCmd is `medmarket hub`: the operator's allow-list of accounts that
// may upload to this node as a hub (MEDMARKET_HUB_ADMISSION=allow-list).
func newHubCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hub",
		Short: "Manage who may upload to this node as a hub (the allow-list)",
		Long: `Manage the accounts approved to upload to this node as a hub. The list is
used when the node serves with MEDMARKET_HUB_ADMISSION=allow-list; it is kept
in the data dir's store, so change it while the node is stopped.`,
	}
	var allowed, denied common.Address
	allow := &cobra.Command{
		Use:   "allow ADDRESS",
		Short: "Approve an account's uploads",
		Args:  cobra.ExactArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			allowed, err = parseAddress(args[0])
			return err
		}, run: func(ctx context.Context, a *app.App, _ account) error {
			if _, err := a.AllowHubUploader(ctx, allowed); err != nil {
				return err
			}
			_, err := fmt.Fprintf(c.stdout, "%s may upload to this hub\n", allowed.Hex())
			return err
		}}),
	}
	deny := &cobra.Command{
		Use:   "deny ADDRESS",
		Short: "Withdraw an account's approval (what it uploaded stays until listed or expired)",
		Args:  cobra.ExactArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			denied, err = parseAddress(args[0])
			return err
		}, run: func(ctx context.Context, a *app.App, _ account) error {
			if err := a.DenyHubUploader(ctx, denied); err != nil {
				return err
			}
			_, err := fmt.Fprintf(c.stdout, "%s may no longer upload to this hub\n", denied.Hex())
			return err
		}}),
	}
	var asJSON bool
	list := &cobra.Command{
		Use:   "list [--json]",
		Short: "Print the approved accounts",
		Args:  cobra.NoArgs,
		RunE: c.command(action{run: func(ctx context.Context, a *app.App, _ account) error {
			aps, err := a.HubUploaders(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(c.stdout).Encode(aps)
			}
			// The tabwriter buffers the rows; Flush writes them and returns the error.
			tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			_, _ = fmt.Fprintln(tw, "ACCOUNT\tAPPROVED")
			for _, ap := range aps {
				_, _ = fmt.Fprintf(tw, "%s\t%s\n", ap.Account.Hex(), ap.Added.Format(time.RFC3339))
			}
			return tw.Flush()
		}}),
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(allow, deny, list)
	return cmd
}
