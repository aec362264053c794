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
)

// licenceOut is a licence as `licences --json` prints it.
type licenceOut struct {
	ListingID uint64   `json:"listing_id"`
	Title     string   `json:"title"`
	Holder    string   `json:"holder"`
	SeatOf    string   `json:"seat_of,omitempty"`
	Valid     bool     `json:"valid"`
	Expires   string   `json:"expires"` // RFC 3339, or "never"
	Seats     uint16   `json:"seats"`
	SeatsUsed uint16   `json:"seats_used"`
	Members   []string `json:"members"`
	// Statements are what the holder stated at its last purchase through
	// this node (DS, IRB, COL terms), and whether they reached the provider.
	Statements *statementOut `json:"statements,omitempty"`
}

// statementOut is a buyer's statements as `licences --json` prints them.
type statementOut struct {
	Disease      string `json:"disease,omitempty"`
	Approval     string `json:"approval,omitempty"`
	Collaborator string `json:"collaborator,omitempty"`
	TxHash       string `json:"tx_hash"`
	Stated       string `json:"stated"`              // RFC 3339
	Delivered    string `json:"delivered,omitempty"` // RFC 3339; empty until the provider has them
	Provider     string `json:"provider,omitempty"`
}

// summary is the statements in one line ("-" for none).
func (s *statementOut) summary() string {
	if s == nil {
		return "-"
	}
	var parts []string
	for _, f := range [][2]string{{"disease", s.Disease}, {"approval", s.Approval}, {"collaborator", s.Collaborator}} {
		if f[1] != "" {
			parts = append(parts, f[0]+": "+f[1])
		}
	}
	out := strings.Join(parts, "; ")
	if s.Delivered == "" {
		out += " (not yet delivered)"
	}
	return out
}

// newLicencesCmd builds `licences`: what an account holds or is seated on.
func newLicencesCmd(c *cli) *cobra.Command {
	var as string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "licences --as NAME",
		Short: "List the licences an account holds or is seated on",
		Args:  cobra.NoArgs,
		RunE: c.command(action{run: func(ctx context.Context, a *app.App, _ account) error {
			acct, err := accountNamed(ctx, a, as)
			if err != nil {
				return err
			}
			lics, err := a.Licences(ctx, acct)
			if err != nil {
				return err
			}
			out := []licenceOut{}
			for _, l := range lics {
				o := licenceOut{ListingID: l.ListingID, Holder: l.Holder.Hex(), Valid: l.Valid, Expires: "never",
					Seats: l.Seats, SeatsUsed: l.SeatsUsed, Members: []string{}}
				if l.Listing != nil {
					o.Title = l.Listing.Title()
				}
				if t, ok := l.Expiry(); ok {
					o.Expires = t.Format(time.RFC3339)
				}
				if l.SeatOf != (common.Address{}) {
					o.SeatOf = l.SeatOf.Hex()
				}
				for _, m := range l.Members {
					o.Members = append(o.Members, m.Hex())
				}
				if st := l.Statement; st != nil {
					o.Statements = &statementOut{Disease: st.Disease, Approval: st.Approval, Collaborator: st.Collaborator,
						TxHash: st.TxHash.Hex(), Stated: st.Created.Format(time.RFC3339), Provider: st.Provider}
					if !st.Delivered.IsZero() {
						o.Statements.Delivered = st.Delivered.Format(time.RFC3339)
					}
				}
				out = append(out, o)
			}
			if asJSON {
				return writeJSON(c, out)
			}
			w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(w, "LISTING\tTITLE\tVALID\tEXPIRES\tSEATS\tSTATED\n")
			for _, o := range out {
				fmt.Fprintf(w, "%d\t%s\t%v\t%s\t%d/%d\t%s\n", o.ListingID, o.Title, o.Valid, o.Expires, o.SeatsUsed, o.Seats, o.Statements.summary())
			}
			return w.Flush()
		}}),
	}
	cmd.Flags().StringVar(&as, "as", "", "account")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.MarkFlagRequired("as")
	return cmd
}

// newSeatsCmd builds `seats add` and `seats remove`: a licence holder's team.
func newSeatsCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "seats", Short: "Seat team members on a licence, or remove them"}
	for _, op := range []string{"add", "remove"} {
		var as string
		var id uint64
		var member common.Address
		sub := &cobra.Command{
			Use:   op + " --as NAME ID ADDRESS",
			Short: strings.ToUpper(op[:1]) + op[1:] + " a team member's seat on the licence of --as",
			Args:  cobra.ExactArgs(2),
			RunE: c.command(action{parse: func(args []string) (err error) {
				if id, err = parseID(args[0]); err != nil {
					return err
				}
				member, err = parseAddress(args[1])
				return err
			}, unlock: unlockAs(&as), node: true, run: func(ctx context.Context, a *app.App, who account) error {
				seat, done := a.AddSeat, "added"
				if op == "remove" {
					seat, done = a.RemoveSeat, "removed"
				}
				if err := seat(ctx, who.actor(), id, member); err != nil {
					return err
				}
				_, err := fmt.Fprintf(c.stdout, "seat of %s on listing %d: %s\n", member.Hex(), id, done)
				return err
			}}),
		}
		asFlag(sub, &as, "licence holder")
		cmd.AddCommand(sub)
	}
	return cmd
}
