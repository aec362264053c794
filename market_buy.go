package main

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// newBuyCmd builds `buy`: the terms and the cost, then one transaction.
func newBuyCmd(c *cli) *cobra.Command {
	var as, disease, approval, collaborator string
	var yes, anyway bool
	var id uint64
	cmd := &cobra.Command{
		Use:   "buy --as NAME ID",
		Short: "Buy a licence to a listing: shows the terms and the cost, then one transaction",
		Args:  cobra.ExactArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			id, err = parseID(args[0])
			return err
		}, unlock: unlockAs(&as), node: true, run: func(ctx context.Context, a *app.App, who account) error {
			buyer, err := accountNamed(ctx, a, as)
			if err != nil {
				return err
			}
			q, err := a.BuyPreview(ctx, buyer, id)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stderr, "Listing %d: %s\n", id, q.Listing.Title())
			for _, t := range q.Terms {
				line := "  - " + t.Text
				if t.Code != "" {
					line = "  - " + t.Code + ": " + t.Text
				}
				if t.Detail != "" {
					line += " — " + t.Detail
				}
				fmt.Fprintln(c.stderr, line)
			}
			fmt.Fprintf(c.stderr, "Cost: %s ETH price + about %s ETH gas (%d gas); no platform fee\n",
				formatEther(q.Cost.Value), formatEther(q.Cost.GasCost), q.Cost.Gas)
			mismatch := checkDiseaseMismatch(c.stderr, q.Listing, disease, anyway)
			if !yes {
				return marketplace.Errorf(marketplace.EINVALID, "Terms: pass --yes to accept the terms above and buy.")
			}
			if mismatch != nil {
				return mismatch
			}
			p, err := a.Buy(ctx, who.actor(), id, app.BuyConfirmation{AcceptTerms: true, Disease: disease, Approval: approval, Collaborator: collaborator})
			if err != nil {
				return err
			}
			exp := "never"
			if t, ok := p.Licence.Expiry(); ok {
				exp = t.Format(time.RFC3339)
			}
			_, err = fmt.Fprintf(c.stdout, "licence to listing %d bought (tx %s); expires %s; %d seats\n", id, p.TxHash.Hex(), exp, p.Licence.Seats)
			if st := p.Statement; err == nil && st != nil {
				if st.Delivered.IsZero() {
					fmt.Fprintf(c.stderr, "Your statements are kept here; the provider %s could not be reached (%s): they go with your next download.\n",
						st.Provider, st.LastError)
				} else {
					fmt.Fprintf(c.stderr, "Your statements were delivered to the provider %s.\n", st.Provider)
				}
			}
			return err
		}}),
	}
	asFlag(cmd, &as, "account that buys")
	cmd.Flags().BoolVar(&yes, "yes", false, "accept the terms shown and buy")
	cmd.Flags().StringVar(&disease, "disease", "", "the disease researched (DS terms)")
	cmd.Flags().BoolVar(&anyway, "buy-anyway", false, "buy although --disease does not name the listing's DS disease (the seller sees the mismatch)")
	cmd.Flags().StringVar(&approval, "approval", "", "the ethics approval reference (IRB terms)")
	cmd.Flags().StringVar(&collaborator, "collaborator", "", "the collaborator (COL terms)")
	return cmd
}

// newDownloadCmd builds `download`: a licensed dataset, decrypted.
func newDownloadCmd(c *cli) *cobra.Command {
	var as, out, format string
	var id uint64
	cmd := &cobra.Command{
		Use:   "download --as NAME ID [--out FILE] [--format csv|parquet]",
		Short: "Download and decrypt a licensed dataset from its provider",
		Long: "Download and decrypt a licensed dataset from its provider. The file's extension (.csv, .parquet) picks the format, " +
			"--format overrides it; the dataset is converted when it was published in the other format. " +
			"A release (several tables) is a ZIP of one file per table in that format plus manifest.json: write it to NAME.zip. " +
			"Without --out the file is listing-ID.csv, .parquet or .zip in the current folder; an --out without extension gets one.",
		Args: cobra.ExactArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			id, err = parseID(args[0])
			return err
		}, unlock: unlockAs(&as), node: true, run: func(ctx context.Context, a *app.App, who account) error {
			path, err := downloadPath(ctx, a, id, out, format)
			if err != nil {
				return err
			}
			d, err := a.Download(ctx, who.actor(), id, app.DownloadRequest{Out: path, Format: cmp.Or(format, app.FormatOfPath(path))})
			if err != nil {
				return err
			}
			if d.Published != "" {
				_, err = fmt.Fprintf(c.stdout, "%s: %d bytes (%s, converted from %s) from %s\n", d.Path, d.Bytes, d.Format, d.Published, d.Provider)
				return err
			}
			_, err = fmt.Fprintf(c.stdout, "%s: %d bytes (%s) from %s\n", d.Path, d.Bytes, d.Format, d.Provider)
			return err
		}}),
	}
	cmd.Flags().StringVar(&as, "as", "", "account holding the licence or a seat on it")
	cmd.Flags().StringVar(&out, "out", "", "file to write the decrypted dataset to (a release: NAME.zip; default listing-ID.csv|parquet|zip)")
	cmd.Flags().StringVar(&format, "format", "", "csv or parquet, of the tables inside a release too (default: from the --out extension, else as published)")
	cmd.MarkFlagRequired("as")
	return cmd
}

// downloadPath is the file `download` writes listing id's dataset to:
// out, with the download's extension (app.DownloadFile: zip for a release
// package) added when it has none, or listing-ID.EXT when out is empty.
// A release under a CSV or Parquet name is refused: it is a ZIP.
func downloadPath(ctx context.Context, a *app.App, id uint64, out, format string) (string, error) {
	l, err := a.Listing(ctx, id)
	if err != nil {
		return "", err
	}
	published := ""
	if l.Card != nil {
		published = l.Card.Format
	}
	ext, _ := app.DownloadFile(l.Card, cmp.Or(format, app.FormatOfPath(out), published))
	switch {
	case out == "":
		return fmt.Sprintf("listing-%d.%s", id, ext), nil
	case ext == "zip" && app.FormatOfPath(out) != "":
		tables := "1 table"
		if n := len(l.Card.Tables); n != 1 {
			tables = fmt.Sprintf("%d tables", n)
		}
		return "", marketplace.Errorf(marketplace.EINVALID, "Output: listing %d is a release of %s: a ZIP; use --out NAME.zip (--format %s gives the tables' format).",
			id, tables, cmp.Or(app.FormatOfPath(out), app.FormatCSV))
	case filepath.Ext(out) == "":
		return out + "." + ext, nil
	}
	return out, nil
}
