package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// newTrialStaffCmd builds `trial staff add|revoke|list`: the trial's team,
// authorized and revoked by the sponsor in the trial's log.
func newTrialStaffCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "staff",
		Short: "Authorize and revoke the trial's staff (investigators, coordinators, monitors, data managers); list them over time",
		Long: `The sponsor authorizes each member of a trial's team, per site, as an entry of
the trial's log it signs: an account (an address, or the name of an account on
this node), the printed name that manifests on each of its signatures, and a
role: investigator, coordinator, monitor or data_manager. Each member then
signs with its own key ('--as'), and verification checks that every entry's
signer held a role allowing that step at that point of the log.`,
	}
	cmd.AddCommand(newTrialStaffGrantCmd(c, false), newTrialStaffGrantCmd(c, true), newTrialStaffListCmd(c))
	return cmd
}

// newTrialStaffGrantCmd builds `trial staff add` or, revoke, `trial staff
// revoke`.
func newTrialStaffGrantCmd(c *cli, revoke bool) *cobra.Command {
	var as, trial, acct, name, role, site, reason string
	var g marketplace.StaffGrant
	cmd := &cobra.Command{
		Use:   "add --trial TRIAL --account 0xADDR|NAME --name \"PRINTED NAME\" --role ROLE [--site SITE] --as SPONSOR",
		Short: "Authorize an account to sign for the trial as investigator, coordinator, monitor or data_manager",
		Long: `Authorize an account to sign entries of the trial in a role, at one site (--site)
or at every site. The entry is signed by the sponsor (--as). --name is the
printed name the member signs under (21 CFR 11.50); one account has one name.

Roles: investigator (site data, approval, unblinding), coordinator (site data),
monitor (queries, source data verification), data_manager (queries, casebook
and database locks).

Example:
  medmarket trial staff add --trial NCT01234567 --account mo --name "Mo Monitor" \
      --role monitor --site site-1 --as sponsor`,
		Args: cobra.MaximumNArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			if trial, err = pickTrial(args, trial); err != nil {
				return err
			}
			r, err := marketplace.ParseTrialRole(role)
			if err != nil {
				return err
			}
			g = marketplace.StaffGrant{Name: name, Role: r, Site: site}
			return marketplace.ValidateSite(site)
		}, unlock: unlockAs(&as), node: true, run: func(ctx context.Context, a *app.App, who account) error {
			addr, err := accountNamed(ctx, a, acct)
			if err != nil {
				return err
			}
			g.Account = addr
			var e app.TrialEntry
			if revoke {
				e, err = a.RevokeStaff(ctx, who.actor(), trial, g, reason)
			} else {
				e, err = a.AuthorizeStaff(ctx, who.actor(), trial, g)
			}
			if err != nil {
				return err
			}
			return printSigned(c.stdout, e)
		}}),
	}
	trialFlag(cmd, &trial)
	asFlag(cmd, &as, "the sponsor's account, which signs the entry")
	cmd.Flags().StringVar(&acct, "account", "", "the staff member's account: an address (0x...) or the name of an account on this node")
	cmd.Flags().StringVar(&role, "role", "", "investigator, coordinator, monitor or data_manager")
	cmd.Flags().StringVar(&site, "site", "", "the site the role holds at (default: every site)")
	cmd.MarkFlagRequired("account")
	cmd.MarkFlagRequired("role")
	if revoke {
		cmd.Use = "revoke --trial TRIAL --account 0xADDR|NAME --role ROLE [--site SITE] --reason REASON --as SPONSOR"
		cmd.Short = "Revoke a staff member's role (with a reason); its later entries are refused"
		cmd.Long = `Revoke an account's role at a site (or at every site, without --site), as an
entry of the trial's log signed by the sponsor (--as), with the reason. Entries
the account signs in that role afterwards are refused and fail verification.

Example:
  medmarket trial staff revoke --trial NCT01234567 --account mo --role monitor \
      --site site-1 --reason "left the CRO" --as sponsor`
		cmd.Flags().StringVar(&reason, "reason", "", "why the role ends")
		cmd.MarkFlagRequired("reason")
	} else {
		cmd.Flags().StringVar(&name, "name", "", "the printed name the member signs under (21 CFR 11.50)")
		cmd.MarkFlagRequired("name")
	}
	return cmd
}

// staffOut is a role in force as `trial staff list --json` prints it.
type staffOut struct {
	marketplace.StaffGrant
	Since uint64 `json:"since"` // the authorizing entry
}

// staffChangeOut is an authorization or a revocation as `trial staff list
// --json` prints it.
type staffChangeOut struct {
	Entry  uint64    `json:"entry"`
	Time   time.Time `json:"time"`
	Change string    `json:"change"` // "authorized" or "revoked"
	marketplace.StaffGrant
	Reason string `json:"reason,omitempty"`
}

// staffListOut is what `trial staff list --json` prints.
type staffListOut struct {
	Trial   string           `json:"trial"`
	Sponsor common.Address   `json:"sponsor"`
	Staff   []staffOut       `json:"staff"`
	History []staffChangeOut `json:"history"`
}

// newStaffList is the staff of tm now and its history.
func newStaffList(t app.TrialSummary, tm *app.TrialTeamState) staffListOut {
	out := staffListOut{Trial: t.Identifier, Sponsor: t.Sponsor, Staff: []staffOut{}, History: []staffChangeOut{}}
	since := map[marketplace.StaffGrant]uint64{} // by grant without its name
	var order []common.Address
	seen := map[common.Address]bool{}
	for _, ch := range tm.Changes() {
		change := "authorized"
		if ch.Revoked {
			change = "revoked"
		}
		out.History = append(out.History, staffChangeOut{Entry: ch.Index, Time: ch.When, Change: change, StaffGrant: ch.Grant, Reason: ch.Reason})
		key := ch.Grant
		key.Name = ""
		if !ch.Revoked {
			since[key] = ch.Index
		}
		if !seen[ch.Grant.Account] {
			seen[ch.Grant.Account] = true
			order = append(order, ch.Grant.Account)
		}
	}
	for _, a := range order {
		for _, g := range tm.Grants(a) {
			key := g
			key.Name = ""
			out.Staff = append(out.Staff, staffOut{StaffGrant: g, Since: since[key]})
		}
	}
	return out
}

// newTrialStaffListCmd builds `trial staff list`.
func newTrialStaffListCmd(c *cli) *cobra.Command {
	var trial string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list --trial TRIAL [--json]",
		Short: "List the trial's staff now and every authorization and revocation (entry, time, reason)",
		Long: `List the trial's staff: the roles in force now (since which entry), then the
history of authorizations and revocations in log order, with the entry, time
and reason of each.

Example:
  medmarket trial staff list --trial NCT01234567 --json`,
		Args: cobra.MaximumNArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			trial, err = pickTrial(args, trial)
			return err
		}, run: func(ctx context.Context, a *app.App, _ account) error {
			t, err := a.Trial(ctx, trial)
			if err != nil {
				return err
			}
			tm, err := a.TrialTeam(ctx, trial)
			if err != nil {
				return err
			}
			out := newStaffList(t, tm)
			if asJSON {
				return writeJSON(c, out)
			}
			return printStaffList(c, out)
		}}),
	}
	trialFlag(cmd, &trial)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printStaffList(c *cli, out staffListOut) error {
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "ACCOUNT\tNAME\tROLE\tSITE\tSINCE\n")
	fmt.Fprintf(w, "%s\t\tSponsor\tevery site\tregistration\n", out.Sponsor.Hex())
	for _, s := range out.Staff {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\tentry %d\n", s.Account.Hex(), s.Name, s.Role.Label(), siteOrEvery(s.Site), s.Since)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout)
	w = tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "#\tWHEN (UTC)\tCHANGE\tACCOUNT\tNAME\tROLE\tSITE\tREASON\n")
	for _, h := range out.History {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", h.Entry, h.Time.UTC().Format("2006-01-02 15:04:05"), h.Change,
			h.Account.Hex(), h.Name, h.Role.Label(), siteOrEvery(h.Site), h.Reason)
	}
	return w.Flush()
}

func siteOrEvery(site string) string {
	if site == "" {
		return "every site"
	}
	return site
}
