package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// draftOut is a draft as `drafts list --json` prints it.
type draftOut struct {
	ContentHash string `json:"content_hash"`
	Size        int64  `json:"size"`    // encrypted bytes
	Created     string `json:"created"` // RFC 3339
	Hub         string `json:"hub,omitempty"`
}

// newDraftsCmd builds `drafts list`, `drafts discard` and `drafts retry`: the
// CLI's side of My data's drafts: publishes whose
// listing transaction never happened (a crash, a refused transaction).
func newDraftsCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "drafts", Short: "A seller's drafts (publishes never listed): list, list again, discard"}

	var as string
	var asJSON bool
	list := &cobra.Command{
		Use:   "list --as NAME",
		Short: "List the drafts of an account",
		Args:  cobra.NoArgs,
		RunE: c.command(action{run: func(ctx context.Context, a *app.App, _ account) error {
			seller, err := accountNamed(ctx, a, as)
			if err != nil {
				return err
			}
			ds, err := a.Drafts(ctx)
			if err != nil {
				return err
			}
			out := []draftOut{}
			for _, d := range ds {
				if d.Seller == seller {
					out = append(out, draftOut{ContentHash: d.ContentHash.Hex(), Size: d.Size, Created: d.Created.Format(time.RFC3339), Hub: d.Provider})
				}
			}
			if asJSON {
				return writeJSON(c, out)
			}
			w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(w, "CONTENT\tBYTES\tCREATED\tHUB\n")
			for _, d := range out {
				fmt.Fprintf(w, "%s\t%d\t%s\t%s\n", d.ContentHash, d.Size, d.Created, d.Hub)
			}
			return w.Flush()
		}}),
	}
	list.Flags().StringVar(&as, "as", "", "seller account")
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	list.MarkFlagRequired("as")

	var discardAs string
	var content common.Hash
	parseHash := func(args []string) error {
		if !strings.HasPrefix(args[0], "0x") || len(args[0]) != 66 {
			return marketplace.Errorf(marketplace.EINVALID, "Draft: %q is not a content hash (0x and 64 hex digits).", args[0])
		}
		content = common.HexToHash(args[0])
		return nil
	}
	discard := &cobra.Command{
		Use:   "discard --as NAME CONTENT_HASH",
		Short: "Discard a draft: its encrypted copy here, and the hub's when it went through one",
		Args:  cobra.ExactArgs(1),
		RunE: c.command(action{parse: parseHash, unlock: unlockAs(&discardAs), node: true, run: func(ctx context.Context, a *app.App, who account) error {
			d, err := a.DiscardDraft(ctx, who.actor(), content)
			if err != nil {
				return err
			}
			switch {
			case d.HubWithdrawn:
				_, err = fmt.Fprintf(c.stdout, "draft %s discarded; the hub %s deleted its copy\n", content.Hex(), d.Hub)
			case d.HubProblem != "":
				_, err = fmt.Fprintf(c.stdout, "draft %s discarded here; the hub %s could not be told (%s) and deletes it when its upload time limit ends\n",
					content.Hex(), d.Hub, d.HubProblem)
			default:
				_, err = fmt.Fprintf(c.stdout, "draft %s discarded\n", content.Hex())
			}
			return err
		}}),
	}
	asFlag(discard, &discardAs, "seller account")

	var retryAs string
	var sale saleFlags
	retry := &cobra.Command{
		Use:   "retry --as NAME CONTENT_HASH --price ETH --terms CODES",
		Short: "List a draft (at its hub, when it went through one, without uploading again); prints the listing id",
		Args:  cobra.ExactArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			if err = parseHash(args); err != nil {
				return err
			}
			return sale.parse()
		}, unlock: unlockAs(&retryAs), node: true, run: func(ctx context.Context, a *app.App, who account) error {
			p, err := a.RetryPublish(ctx, who.actor(), content, sale.wei, sale.listingTerms())
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(c.stdout, p.ListingID)
			return err
		}}),
	}
	asFlag(retry, &retryAs, "seller account")
	sale.register(retry)

	cmd.AddCommand(list, discard, retry)
	return cmd
}
