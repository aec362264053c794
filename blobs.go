package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// newBlobsCmd is `medmarket blobs`: the node's blob store (the data dir's
// folder, or the object store of --blob-store), checked and filled.
func newBlobsCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "blobs",
		Short: "Check the node's blob store, or copy blobs into it from another store",
		Long: `The node keeps its encrypted blobs in the data directory's folder, or in the
S3-compatible object store given by --blob-store. "verify" rehashes every blob;
"copy-from" moves a node between stores: start it on the new store and copy from
the old one.`,
	}
	var asJSON bool
	verify := &cobra.Command{
		Use:   "verify [--json]",
		Short: "Read every blob through and check it still hashes to its name (exit 2 when one does not)",
		Args:  cobra.NoArgs,
		RunE: c.command(action{run: func(ctx context.Context, a *app.App, _ account) error {
			chk, err := a.VerifyBlobs(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				if err := writeJSON(c, chk); err != nil {
					return err
				}
			} else if _, err := fmt.Fprintf(c.stdout, "%d blobs checked in %s, %d damaged\n", chk.Blobs, chk.Store, len(chk.Damaged)); err != nil {
				return err
			}
			if len(chk.Damaged) > 0 {
				return marketplace.Errorf(marketplace.EINVALID, "Damaged blobs (their bytes no longer hash to their name): %s.", strings.Join(chk.Damaged, ", "))
			}
			return nil
		}}),
	}
	verify.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	var source string
	copyFrom := &cobra.Command{
		Use:   "copy-from folder|s3://BUCKET[/PREFIX]?endpoint=URL",
		Short: "Copy into the node's blob store the blobs another store holds (the data dir's folder, or an object store)",
		Args:  cobra.ExactArgs(1),
		RunE: c.command(action{parse: func(args []string) error {
			source = args[0]
			return nil
		}, run: func(ctx context.Context, a *app.App, _ account) error {
			src := blobStoreOptions(source, c.getenv)
			if source == "folder" {
				src.URL = ""
			}
			cp, err := a.CopyBlobsFrom(ctx, src)
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(c.stdout, "%d blobs (%d bytes) copied from %s to %s; %d were there already\n",
				cp.Copied, cp.Bytes, cp.From, cp.To, cp.Present); err != nil {
				return err
			}
			if len(cp.Damaged) > 0 {
				return marketplace.Errorf(marketplace.EINVALID, "Damaged in the source, not copied: %s.", strings.Join(cp.Damaged, ", "))
			}
			return nil
		}}),
	}
	cmd.AddCommand(verify, copyFrom)
	return cmd
}
