package main

import (
	"context"
	"fmt"
	"math/big"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// buyerStatementOut is one buyer's statements as `sales --json` prints them.
type buyerStatementOut struct {
	Buyer        string `json:"buyer"`
	TxHash       string `json:"tx_hash"`
	Disease      string `json:"disease,omitempty"`
	Approval     string `json:"approval,omitempty"`
	Collaborator string `json:"collaborator,omitempty"`
	Received     string `json:"received"` // RFC 3339: when the provider received them
	// DiseaseMismatch is the dataset's DS disease when the disease stated does not name it
	// (app.DiseaseMatches): the buyer was warned and bought anyway.
	DiseaseMismatch string `json:"disease_mismatch,omitempty"`
}

// newSalesCmd builds `sales`: a seller's datasets, buyers and earnings.
func newSalesCmd(c *cli) *cobra.Command {
	var as string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "sales --as NAME",
		Short: "A seller's datasets: sales, buyers, earnings, what may be withdrawn",
		Args:  cobra.NoArgs,
		RunE: c.command(action{run: func(ctx context.Context, a *app.App, _ account) error {
			acct, err := accountNamed(ctx, a, as)
			if err != nil {
				return err
			}
			if err := a.SyncCatalog(ctx); err != nil {
				return err
			}
			m, err := a.MyDatasets(ctx, acct)
			if err != nil {
				return err
			}
			type ds struct {
				listingOut
				Buyers            []string            `json:"buyers"`
				Earned            string              `json:"earned"`
				Statements        []buyerStatementOut `json:"statements"`
				StatementsProblem string              `json:"statements_problem,omitempty"`
			}
			out := struct {
				Datasets     []ds   `json:"datasets"`
				Earned       string `json:"earned"`
				Withdrawable string `json:"withdrawable"`
				Drafts       int    `json:"drafts"`
			}{Datasets: []ds{}, Earned: formatEther(m.Earned), Withdrawable: formatEther(m.Withdrawable), Drafts: len(m.Drafts)}
			for _, d := range m.Datasets {
				o := ds{Buyers: []string{}, Earned: formatEther(d.Earned), Statements: []buyerStatementOut{}, StatementsProblem: d.StatementsProblem}
				if d.Listing != nil {
					o.listingOut = newListingOut(d.Listing)
				}
				for _, b := range d.Buyers {
					o.Buyers = append(o.Buyers, b.Hex())
				}
				for _, st := range d.Statements {
					o.Statements = append(o.Statements, buyerStatementOut{Buyer: st.Buyer.Hex(), TxHash: st.TxHash.Hex(), Disease: st.Disease,
						Approval: st.Approval, Collaborator: st.Collaborator, Received: st.Received.Format(time.RFC3339)})
					if d.DiseaseMismatch(st) {
						o.Statements[len(o.Statements)-1].DiseaseMismatch = app.DSDisease(d.Listing)
					}
				}
				out.Datasets = append(out.Datasets, o)
			}
			if asJSON {
				return writeJSON(c, out)
			}
			w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(w, "ID\tTITLE\tACTIVE\tSALES\tEARNED (ETH)\n")
			for _, d := range out.Datasets {
				fmt.Fprintf(w, "%d\t%s\t%v\t%d\t%s\n", d.ID, d.Title, d.Active, len(d.Buyers), d.Earned)
			}
			fmt.Fprintf(w, "withdrawable\t%s ETH\n", out.Withdrawable)
			if err := w.Flush(); err != nil {
				return err
			}
			for _, d := range out.Datasets {
				for _, st := range d.Statements {
					fmt.Fprintf(c.stdout, "listing %d: buyer %s stated %s\n", d.ID, st.Buyer, (&statementOut{Disease: st.Disease,
						Approval: st.Approval, Collaborator: st.Collaborator, Delivered: st.Received}).summary())
					if st.DiseaseMismatch != "" {
						fmt.Fprintf(c.stdout, "listing %d: buyer %s: the disease stated does not match the DS disease %q\n", d.ID, st.Buyer, st.DiseaseMismatch)
					}
				}
				if d.StatementsProblem != "" {
					fmt.Fprintf(c.stdout, "listing %d: buyers' statements incomplete: %s\n", d.ID, d.StatementsProblem)
				}
			}
			return nil
		}}),
	}
	cmd.Flags().StringVar(&as, "as", "", "seller account")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.MarkFlagRequired("as")
	return cmd
}

// newWithdrawCmd builds `withdraw`: a seller's earnings to its account.
func newWithdrawCmd(c *cli) *cobra.Command {
	var as string
	cmd := &cobra.Command{
		Use:   "withdraw --as NAME",
		Short: "Withdraw a seller's earnings to its account",
		Args:  cobra.NoArgs,
		RunE: c.command(action{unlock: unlockAs(&as), node: true, run: func(ctx context.Context, a *app.App, who account) error {
			wei, err := a.Withdraw(ctx, who.actor())
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(c.stdout, "withdrew %s ETH\n", formatEther(wei))
			return err
		}}),
	}
	asFlag(cmd, &as, "seller account")
	return cmd
}

// newDelistCmd builds `delist`: no more sales of a listing.
func newDelistCmd(c *cli) *cobra.Command {
	var as string
	var id uint64
	cmd := &cobra.Command{
		Use:   "delist --as NAME ID",
		Short: "Stop sales of a listing (licences sold stay valid)",
		Args:  cobra.ExactArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			id, err = parseID(args[0])
			return err
		}, unlock: unlockAs(&as), node: true, run: func(ctx context.Context, a *app.App, who account) error {
			if err := a.Delist(ctx, who.actor(), id); err != nil {
				return err
			}
			_, err := fmt.Fprintf(c.stdout, "listing %d delisted\n", id)
			return err
		}}),
	}
	asFlag(cmd, &as, "seller account")
	return cmd
}

// newPriceCmd builds `price`: the price of a listing's future sales.
func newPriceCmd(c *cli) *cobra.Command {
	var as string
	var id uint64
	var wei *big.Int
	cmd := &cobra.Command{
		Use:   "price --as NAME ID ETH",
		Short: "Change the price of future sales of a listing",
		Args:  cobra.ExactArgs(2),
		RunE: c.command(action{parse: func(args []string) (err error) {
			if id, err = parseID(args[0]); err != nil {
				return err
			}
			wei, err = marketplace.ParseEther(args[1])
			return err
		}, unlock: unlockAs(&as), node: true, run: func(ctx context.Context, a *app.App, who account) error {
			if err := a.SetPrice(ctx, who.actor(), id, wei); err != nil {
				return err
			}
			_, err := fmt.Fprintf(c.stdout, "listing %d now costs %s ETH\n", id, formatEther(wei))
			return err
		}}),
	}
	asFlag(cmd, &as, "seller account")
	return cmd
}
