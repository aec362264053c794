package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// afterWithdrawal is what a withdrawal changes, told before joining and
// before withdrawing.
const afterWithdrawal = "If you withdraw, the pool's next versions leave your records out; versions already sold stay licensed to their buyers, and keep paying you your share."

// newPoolJoinCmd builds `pool join`: what joining sends, then the
// contribution with the patient's consent.
func newPoolJoinCmd(c *cli) *cobra.Command {
	var as, hub, in string
	var yes bool
	var req app.PoolJoinRequest
	cmd := &cobra.Command{
		Use:   "join POOL --hub URL --in RECORDS --as PATIENT [--yes]",
		Short: "Join a patient pool with your records: shows exactly what leaves this machine, then contributes",
		Long: `Join a pool (POOL: its contract address) hosted by the hub at --hub. The pool's
pipeline runs here over your records (--in: a CSV file, FHIR JSON, or a folder of
them) and what would leave this machine is shown first: each table and column
with its role, its treatment and your own value as sent, the columns kept here,
your quasi-identifiers, the operator's fee, the price and terms of the pool's
versions. Nothing leaves before you confirm (on a terminal, or with --yes); then
your contribution is encrypted to the pool's key and uploaded with your consent,
signed by --as, the account that is paid your share. Prints the consent's index
in the pool's log.`,
		Args: cobra.ExactArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			if req.Pool, err = parsePool(args[0]); err != nil {
				return err
			}
			if strings.TrimSpace(in) == "" {
				return marketplace.Errorf(marketplace.EINVALID, "--in: name your records (a CSV file, FHIR JSON, or a folder of them).")
			}
			if strings.TrimSpace(hub) == "" {
				return marketplace.Errorf(marketplace.EINVALID, "--hub: name the pool's hub (its provider URL; pool list --hub URL shows its pools).")
			}
			req.Hub, req.Path = hub, in
			return nil
		}, unlock: unlockAs(&as), run: func(ctx context.Context, a *app.App, who account) error {
			prev, err := a.PreviewPoolJoin(ctx, req)
			if err != nil {
				return err
			}
			if err := printPoolPreview(c.stderr, prev); err != nil {
				return err
			}
			if err := c.confirm(fmt.Sprintf("Join pool %q as %s, sending what is shown above?", prev.Pool.Config.Name, as), "Not joined", yes); err != nil {
				return err
			}
			req.ConfigVersion = prev.Pool.Config.Version
			j, err := a.JoinPool(ctx, who.actor(), req)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stderr, "joined pool %q as %s: %s, contribution %s, consent at index %d of the pool's log\n",
				j.Membership.Name, j.Membership.Account.Hex(), plural(j.Membership.Records, "record"), j.Membership.Contribution.Hex(), j.Index)
			_, err = fmt.Fprintln(c.stdout, j.Index)
			return err
		}}),
	}
	asFlag(cmd, &as, "the account that consents and is paid")
	hubFlag(cmd, &hub)
	cmd.Flags().StringVar(&in, "in", "", "your records: a CSV file, FHIR JSON (a Bundle or NDJSON), or a folder of them")
	cmd.Flags().BoolVar(&yes, "yes", false, "join without asking, sending what is shown")
	return cmd
}

// printPoolPreview writes what joining sends and earns.
func printPoolPreview(w io.Writer, p app.PoolPreview) error {
	cfg, d := p.Pool.Config, p.Disclosure
	fmt.Fprintf(w, "Pool %q (%s), hub %s, run by %s\n", cfg.Name, cfg.Contract.Hex(), cfg.Hub, cfg.Operator.Hex())
	if cfg.Description != "" {
		fmt.Fprintf(w, "  %s\n", cfg.Description)
	}
	fmt.Fprintf(w, "Members now: %d; versions released: %d; configuration version %d\n", p.Pool.Members, p.Pool.Versions, cfg.Version)
	fmt.Fprintf(w, "Each version sells at %s ETH a licence (%s); the operator keeps %s, the rest is shared by records held\n",
		formatEther(cfg.Price), cfg.Terms, feePercent(cfg.FeeBasisPoints))
	fmt.Fprintf(w, "What leaves this machine (encrypted to the pool's key): %s\n", plural(d.Records, "record"))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, t := range d.Tables {
		fmt.Fprintf(tw, "  table %s (%s)\n", t.Name, plural(t.Rows, "row"))
		fmt.Fprintln(tw, "    COLUMN\tROLE\tTREATMENT\tYOUR VALUE AS SENT")
		for _, col := range t.Columns {
			fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\n", col.Name, col.Role, col.Treatment, col.Example)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(d.Kept) > 0 {
		fmt.Fprintf(w, "Never leaves this machine: %s\n", strings.Join(d.Kept, ", "))
	}
	if len(d.QuasiIdentifiers) > 0 {
		fmt.Fprintf(w, "Your quasi-identifiers: %s; your records are released only with at least %d patients sharing them\n",
			strings.Join(d.QuasiIdentifiers, ", "), cfg.K)
	}
	_, err := fmt.Fprintln(w, afterWithdrawal)
	return err
}

// newPoolWithdrawCmd builds `pool withdraw`: the patient's consent ends.
func newPoolWithdrawCmd(c *cli) *cobra.Command {
	var as string
	var yes bool
	var pool common.Address
	cmd := &cobra.Command{
		Use:   "withdraw POOL --as PATIENT [--yes]",
		Short: "Withdraw from a pool: its next versions leave your records out",
		Long: `Withdraw your consent from a pool you joined from this node (--as: the account
that joined). ` + afterWithdrawal,
		Args: cobra.ExactArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			pool, err = parsePool(args[0])
			return err
		}, unlock: unlockAs(&as), run: func(ctx context.Context, a *app.App, who account) error {
			fmt.Fprintln(c.stderr, afterWithdrawal)
			if err := c.confirm(fmt.Sprintf("Withdraw %s from pool %s?", as, pool.Hex()), "Not withdrawn", yes); err != nil {
				return err
			}
			m, err := a.WithdrawFromPool(ctx, who.actor(), pool)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(c.stdout, "%s withdrew from pool %q at %s; versions already sold stay licensed to their buyers and keep paying your share\n",
				m.Account.Hex(), m.Name, m.Withdrawn.UTC().Format("2006-01-02 15:04 UTC"))
			return err
		}}),
	}
	asFlag(cmd, &as, "the account that joined")
	cmd.Flags().BoolVar(&yes, "yes", false, "withdraw without asking")
	return cmd
}

// standingOut is `pool status --json`.
type standingOut struct {
	Pool      string `json:"pool"`
	Name      string `json:"name"`
	Account   string `json:"account"`
	Active    bool   `json:"active"`
	Withdrawn string `json:"withdrawn,omitempty"`
	Versions  []int  `json:"versions"`
	Releases  int    `json:"releases"`
	Members   int    `json:"members"`
	Waiting   string `json:"waiting,omitempty"`
	Round     uint64 `json:"round"`
	Entitled  string `json:"entitled_eth"`
	Claimed   string `json:"claimed_eth"`
	Claimable string `json:"claimable_eth"`
}

// newPoolStatusCmd builds `pool status`: an account's standing in a pool,
// from the hub's log and the chain.
func newPoolStatusCmd(c *cli) *cobra.Command {
	var as, addr, hub string
	var asJSON bool
	var pool common.Address
	cmd := &cobra.Command{
		Use:   "status POOL (--as NAME | --account ADDRESS) [--hub URL]",
		Short: "An account's standing in a pool: active or withdrawn, versions holding its records, what it is owed and can claim",
		Long: `Show an account's standing in a pool, read from the pool's log on its hub
(verified) and the chain, never on the hub's word: whether its contribution is in
the pool, the released versions that hold its records, why the latest version
left it out if it did, and its share of the latest payout round: entitled,
claimed, claimable. --as names an account of this node (no passphrase: it only
reads), --account any address.`,
		Args: cobra.ExactArgs(1),
		RunE: c.command(action{parse: func(args []string) (err error) {
			if pool, err = parsePool(args[0]); err != nil {
				return err
			}
			if (as == "") == (addr == "") {
				return marketplace.Errorf(marketplace.EINVALID, "Give one of --as NAME and --account ADDRESS.")
			}
			return nil
		}, run: func(ctx context.Context, a *app.App, _ account) error {
			acct, err := accountNamed(ctx, a, as+addr)
			if err != nil {
				return err
			}
			st, err := a.PoolStandingOf(ctx, hub, pool, acct)
			if err != nil {
				return err
			}
			out := standingOut{Pool: pool.Hex(), Name: st.Config.Name, Account: acct.Hex(), Active: st.Active, Withdrawn: st.Withdrawn,
				Versions: st.Versions, Releases: st.Releases, Members: st.Members, Waiting: st.Waiting, Round: st.Round,
				Entitled: formatEther(st.Entitled), Claimed: formatEther(st.Claimed), Claimable: formatEther(st.Claimable)}
			if out.Versions == nil {
				out.Versions = []int{}
			}
			if asJSON {
				return writeJSON(c, out)
			}
			return printStanding(c.stdout, out)
		}}),
	}
	cmd.Flags().StringVar(&as, "as", "", "an account of this node")
	cmd.Flags().StringVar(&addr, "account", "", "any account's address")
	hubFlag(cmd, &hub)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// printStanding writes a standing for people.
func printStanding(w io.Writer, s standingOut) error {
	state := "active"
	switch {
	case s.Withdrawn != "":
		state = "withdrawn " + s.Withdrawn
	case !s.Active:
		state = "not a member"
	}
	fmt.Fprintf(w, "%s in pool %q (%s): %s\n", s.Account, s.Name, s.Pool, state)
	vs := make([]string, len(s.Versions))
	for i, v := range s.Versions {
		vs[i] = fmt.Sprint(v)
	}
	held := "none"
	if len(vs) > 0 {
		held = strings.Join(vs, ", ")
	}
	fmt.Fprintf(w, "Versions holding your records: %s (of %d released; %d members now)\n", held, s.Releases, s.Members)
	if s.Waiting != "" {
		fmt.Fprintf(w, "The latest version left you out: %s\n", s.Waiting)
	}
	if s.Round == 0 {
		_, err := fmt.Fprintln(w, "No payout round posted yet")
		return err
	}
	_, err := fmt.Fprintf(w, "Payout round %d: entitled %s ETH, claimed %s ETH, claimable %s ETH\n", s.Round, s.Entitled, s.Claimed, s.Claimable)
	return err
}

// plural is n and noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
