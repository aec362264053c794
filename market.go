package main

import (
	"cmp"
	"context"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// envPublicURL is the URL other nodes reach this node's provider API at.
const envPublicURL = "MEDMARKET_PUBLIC_URL"

// publicURL resolves --public-url, its env, then http://<serve address>/.
func (c *cli) publicURL(flag string) string {
	if u := firstNonEmpty(flag, c.getenv(envPublicURL)); u != "" {
		return u
	}
	return defaultPublicURL(c.getenv)
}

// withMarket opens the data dir with this node's public URL set.
func (c *cli) withMarket(ctx context.Context, publicURL string, f func(a *app.App) error) error {
	return c.withApp(ctx, func(a *app.App) error {
		if err := a.SetPublicURL(c.publicURL(publicURL)); err != nil {
			return err
		}
		c.installTestHooks(a) // none in the shipped binary (testhooks.go)
		return f(a)
	})
}

// actor asks for the passphrase of --as.
func (c *cli) actor(as string) (app.Actor, error) {
	pass, err := c.passphrase("Passphrase of "+as+": ", false)
	if err != nil {
		return app.Actor{}, err
	}
	return app.ByAccount(as, pass), nil
}

// runAs is the RunE of a command the account --as runs: parse reads the
// arguments first (a bad one asks for no passphrase), then the passphrase is
// asked and run works in the opened data dir (with the node's provider URL,
// as withMarket sets it).
func (c *cli) runAs(as *string, parse func(args []string) error, run func(ctx context.Context, a *app.App, who app.Actor) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if parse != nil {
			if err := parse(args); err != nil {
				return err
			}
		}
		who, err := c.actor(*as)
		if err != nil {
			return err
		}
		return c.withMarket(cmd.Context(), "", func(a *app.App) error { return run(cmd.Context(), a, who) })
	}
}

// asFlag adds the required --as flag: the account, described by what.
func asFlag(cmd *cobra.Command, as *string, what string) {
	cmd.Flags().StringVar(as, "as", "", what)
	cmd.MarkFlagRequired("as")
}

func parseID(s string) (uint64, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 {
		return 0, marketplace.Errorf(marketplace.EINVALID, "Listing id: %q is not a listing number.", s)
	}
	return id, nil
}

func parseAddress(s string) (common.Address, error) {
	if !common.IsHexAddress(s) {
		return common.Address{}, marketplace.Errorf(marketplace.EINVALID, "Address: %q is not a hex address.", s)
	}
	return common.HexToAddress(s), nil
}

// addMarketCommands adds publish, search, buy, download, licences, mine,
// withdraw, delist, price and seats.
func newMarketCmds(c *cli) []*cobra.Command {
	return []*cobra.Command{newPublishCmd(c), newSearchCmd(c), newBuyCmd(c), newDownloadCmd(c), newLicencesCmd(c),
		newMineCmd(c), newWithdrawCmd(c), newDelistCmd(c), newPriceCmd(c), newSeatsCmd(c), newDraftsCmd(c)}
}

func newPublishCmd(c *cli) *cobra.Command {
	var as, in, preset, config, title, desc, tags, publisher, format, price, terms, dataTypes, publicURL, providerURL, copyTo, table string
	var duration uint32
	var seats uint16
	cmd := &cobra.Command{
		Use:   "publish --as NAME --in FILE --preset PRESET --title TITLE --price ETH --terms CODES",
		Short: "Anonymize a file of records, encrypt it and list it for sale; prints the listing id",
		Long: `Publish runs the anonymization preset on the records, refuses (with the reasons)
when the policy gate fails, encrypts the result to a fresh dataset key, stores the
blob and the key in the data dir, and lists it on chain with this node's provider
URL (--public-url, env ` + envPublicURL + `; buyers' nodes download from there).

With --provider https://hub.example/ it publishes through a hub instead, for a
node that is not always online: the encrypted blob, the card and the dataset key
wrapped to the hub's node key are uploaded to the hub in a request signed by the
seller, and the listing names the hub, which serves buyers from then on.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			wei, err := marketplace.ParseEther(price)
			if err != nil {
				return err
			}
			use, err := marketplace.ParseDUO(terms)
			if err != nil {
				return err
			}
			who, err := c.actor(as)
			if err != nil {
				return err
			}
			req := app.PublishRequest{Input: in, Preset: preset, ConfigFile: config, Title: title, Description: desc, Publisher: publisher,
				Tags: splitCSV(tags), DataTypes: splitCSV(dataTypes), Format: format, Price: wei, Table: table,
				Terms: marketplace.Terms{Use: use, DurationDays: duration, Seats: seats}, Provider: providerURL}
			// The copy replaces --save-copy only once the publish succeeded.
			var copyFile *pendingFile
			if copyTo != "" {
				if copyFile, err = createPending(copyTo, "--save-copy"); err != nil {
					return err
				}
				defer copyFile.discard()
				req.Copy = copyFile
			}
			return c.withMarket(cmd.Context(), publicURL, func(a *app.App) error {
				p, err := a.Publish(cmd.Context(), who, req)
				if err != nil {
					return err
				}
				if copyFile != nil {
					if err := copyFile.commit(); err != nil {
						return fmt.Errorf("listed as %d, but --save-copy: %w", p.ListingID, err)
					}
				}
				fmt.Fprintf(c.stderr, "listed: %d rows, content %s, provider %s, gas %d\n", p.Card.Rows, p.ContentHash.Hex(), p.Provider, p.GasUsed)
				_, err = fmt.Fprintln(c.stdout, p.ListingID)
				return err
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&as, "as", "", "account that sells")
	f.StringVar(&in, "in", "", "records to publish: CSV, or a FHIR Bundle (.json)")
	f.StringVar(&table, "table", "", "the table of a FHIR import to publish (Patient, Observation...)")
	f.StringVar(&preset, "preset", "safe-harbor-k5", "anonymization preset: safe-harbor or safe-harbor-k5")
	f.StringVar(&config, "config", "", "a pipeline config (YAML, as for anonymize --config; trusted plugins may be steps) instead of --preset")
	f.StringVar(&title, "title", "", "the dataset's title")
	f.StringVar(&desc, "description", "", "what the data is and where it comes from")
	f.StringVar(&tags, "tags", "", "comma-separated keywords")
	f.StringVar(&publisher, "publisher", "", "who publishes (patient, clinic, patient group)")
	f.StringVar(&dataTypes, "data-types", "", "comma-separated record kinds: "+strings.Join(marketplace.DataTypes(), ", "))
	f.StringVar(&format, "format", "csv", "what buyers download: csv or parquet")
	f.StringVar(&price, "price", "", "price of a licence in ether (decimal)")
	f.StringVar(&terms, "terms", "", "DUO codes, e.g. HMB,NCU (one permission: GRU, HMB, DS, POA or NRES)")
	f.Uint32Var(&duration, "duration", 365, "licence duration in days (0: perpetual)")
	f.Uint16Var(&seats, "seats", 0, "team members a licence holder may seat")
	f.StringVar(&publicURL, "public-url", "", "this node's provider URL (env "+envPublicURL+"; default http://<serve's --public-addr>/)")
	f.StringVar(&providerURL, "provider", "self", "who serves buyers: self (this node), or a hub's provider URL to publish through")
	f.StringVar(&copyTo, "save-copy", "", "also write the anonymized file (exactly what buyers decrypt) here")
	for _, n := range []string{"as", "in", "title", "price", "terms"} {
		cmd.MarkFlagRequired(n)
	}
	return cmd
}

func splitCSV(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// listingOut is a listing as `search --json` prints it.
type listingOut struct {
	ID           uint64   `json:"id"`
	Title        string   `json:"title"`
	Price        string   `json:"price"` // ether, decimal
	PriceWei     string   `json:"price_wei"`
	Terms        string   `json:"terms"` // DUO codes joined by "+"
	DurationDays uint32   `json:"duration_days"`
	Seats        uint16   `json:"seats"`
	Rows         uint64   `json:"rows"`
	Format       string   `json:"format"`
	Tags         []string `json:"tags"`
	Publisher    string   `json:"publisher"`
	Seller       string   `json:"seller"`
	Provider     string   `json:"provider"`
	ContentHash  string   `json:"content_hash"`
	Sales        uint64   `json:"sales"`
	Active       bool     `json:"active"`
}

func newListingOut(l *marketplace.Listing) listingOut {
	o := listingOut{ID: l.ID, Title: l.Title(), Price: formatEther(l.Price), PriceWei: l.Price.String(), Terms: l.Terms.Use.String(),
		DurationDays: l.Terms.DurationDays, Seats: l.Terms.Seats, Seller: l.Seller.Hex(), Provider: l.Provider,
		ContentHash: l.ContentHash.Hex(), Sales: l.Sales, Active: l.Active, Tags: []string{}}
	if l.Card != nil {
		o.Rows, o.Format, o.Tags, o.Publisher = l.Card.Rows, l.Card.Format, nonNilStrings(l.Card.Tags), l.Card.Publisher
	}
	return o
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func newSearchCmd(c *cli) *cobra.Command {
	var asJSON, delisted bool
	var terms, maxPrice, minPrice, sort, dataTypes, publisher string
	var minRows uint64
	var limit, offset int
	cmd := &cobra.Command{
		Use:   "search [TEXT]",
		Short: "Search the catalog (synced from the chain first)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f := marketplace.CatalogFilter{RowsMin: minRows, Sort: sort, Limit: limit, Offset: offset, IncludeDelisted: delisted,
				DataTypes: splitCSV(dataTypes), Publisher: publisher}
			if len(args) == 1 {
				f.Query = args[0]
			}
			var err error
			if f.Terms, err = marketplace.ParseDUO(terms); err != nil {
				return err
			}
			for _, p := range []struct {
				s   string
				dst **big.Int
			}{{maxPrice, &f.PriceMax}, {minPrice, &f.PriceMin}} {
				if p.s != "" {
					if *p.dst, err = marketplace.ParseEther(p.s); err != nil {
						return err
					}
				}
			}
			return c.withApp(cmd.Context(), func(a *app.App) error {
				if err := a.SyncCatalog(cmd.Context()); err != nil {
					return err
				}
				ls, total, err := a.Search(cmd.Context(), f)
				if err != nil {
					return err
				}
				if asJSON {
					out := make([]listingOut, 0, len(ls))
					for _, l := range ls {
						out = append(out, newListingOut(l))
					}
					return writeJSON(c, out)
				}
				w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintf(w, "ID\tTITLE\tPRICE (ETH)\tTERMS\tROWS\tSALES\tPROVIDER\n")
				for _, l := range ls {
					o := newListingOut(l)
					fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%d\t%d\t%s\n", o.ID, o.Title, o.Price, l.Terms, o.Rows, o.Sales, o.Provider)
				}
				fmt.Fprintf(w, "(%d of %d)\n", len(ls), total)
				return w.Flush()
			})
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print a JSON array")
	f.StringVar(&terms, "terms", "", "DUO codes a listing must all carry (HMB,IRB)")
	f.StringVar(&maxPrice, "max-price", "", "highest price in ether")
	f.StringVar(&minPrice, "min-price", "", "lowest price in ether")
	f.Uint64Var(&minRows, "min-rows", 0, "least number of rows")
	f.StringVar(&dataTypes, "data-types", "", "record kinds a dataset must all hold")
	f.StringVar(&publisher, "publisher", "", "publisher named on the card")
	f.StringVar(&sort, "sort", "", "relevance, newest, price_asc, price_desc or sales")
	f.IntVar(&limit, "limit", 0, "results per page (default 20, at most 100)")
	f.IntVar(&offset, "offset", 0, "results to skip")
	f.BoolVar(&delisted, "delisted", false, "include delisted listings")
	return cmd
}

func newBuyCmd(c *cli) *cobra.Command {
	var as, disease, approval, collaborator string
	var yes bool
	var id uint64
	cmd := &cobra.Command{
		Use:   "buy --as NAME ID",
		Short: "Buy a licence to a listing: shows the terms and the cost, then one transaction",
		Args:  cobra.ExactArgs(1),
		RunE: c.runAs(&as, func(args []string) (err error) {
			id, err = parseID(args[0])
			return err
		}, func(ctx context.Context, a *app.App, who app.Actor) error {
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
			if !yes {
				return marketplace.Errorf(marketplace.EINVALID, "Terms: pass --yes to accept the terms above and buy.")
			}
			p, err := a.Buy(ctx, who, id, app.BuyConfirmation{AcceptTerms: true, Disease: disease, Approval: approval, Collaborator: collaborator})
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
		}),
	}
	asFlag(cmd, &as, "account that buys")
	cmd.Flags().BoolVar(&yes, "yes", false, "accept the terms shown and buy")
	cmd.Flags().StringVar(&disease, "disease", "", "the disease researched (DS terms)")
	cmd.Flags().StringVar(&approval, "approval", "", "the ethics approval reference (IRB terms)")
	cmd.Flags().StringVar(&collaborator, "collaborator", "", "the collaborator (COL terms)")
	return cmd
}

func newDownloadCmd(c *cli) *cobra.Command {
	var as, out, format string
	cmd := &cobra.Command{
		Use:   "download --as NAME ID --out FILE [--format csv|parquet]",
		Short: "Download and decrypt a licensed dataset from its provider",
		Long: "Download and decrypt a licensed dataset from its provider. The file's extension (.csv, .parquet) picks the format, " +
			"--format overrides it; the dataset is converted when it was published in the other format.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			who, err := c.actor(as)
			if err != nil {
				return err
			}
			return c.withMarket(cmd.Context(), "", func(a *app.App) error {
				d, err := a.Download(cmd.Context(), who, id, app.DownloadRequest{Out: out, Format: cmp.Or(format, app.FormatOfPath(out))})
				if err != nil {
					return err
				}
				if d.Published != "" {
					_, err = fmt.Fprintf(c.stdout, "%s: %d bytes (%s, converted from %s) from %s\n", d.Path, d.Bytes, d.Format, d.Published, d.Provider)
					return err
				}
				_, err = fmt.Fprintf(c.stdout, "%s: %d bytes (%s) from %s\n", d.Path, d.Bytes, d.Format, d.Provider)
				return err
			})
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "account holding the licence or a seat on it")
	cmd.Flags().StringVar(&out, "out", "", "file to write the decrypted dataset to")
	cmd.Flags().StringVar(&format, "format", "", "csv or parquet (default: from the --out extension, else as published)")
	cmd.MarkFlagRequired("as")
	cmd.MarkFlagRequired("out")
	return cmd
}

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

// buyerStatementOut is one buyer's statements as `sales --json` prints them.
type buyerStatementOut struct {
	Buyer        string `json:"buyer"`
	TxHash       string `json:"tx_hash"`
	Disease      string `json:"disease,omitempty"`
	Approval     string `json:"approval,omitempty"`
	Collaborator string `json:"collaborator,omitempty"`
	Received     string `json:"received"` // RFC 3339: when the provider received them
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

func newLicencesCmd(c *cli) *cobra.Command {
	var as string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "licences --as NAME",
		Short: "List the licences an account holds or is seated on",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd.Context(), func(a *app.App) error {
				acct, err := accountNamed(cmd.Context(), a, as)
				if err != nil {
					return err
				}
				lics, err := a.Licences(cmd.Context(), acct)
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
			})
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "account")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.MarkFlagRequired("as")
	return cmd
}

func accountNamed(ctx context.Context, a *app.App, name string) (common.Address, error) {
	accts, err := a.Accounts(ctx)
	if err != nil {
		return common.Address{}, err
	}
	for _, acct := range accts {
		if acct.Name == name {
			return acct.Address, nil
		}
	}
	if common.IsHexAddress(name) {
		return common.HexToAddress(name), nil
	}
	return common.Address{}, marketplace.Errorf(marketplace.ENOTFOUND, "No account named %q.", name)
}

func newMineCmd(c *cli) *cobra.Command {
	var as string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "sales --as NAME",
		Short: "A seller's datasets: sales, buyers, earnings, what may be withdrawn",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd.Context(), func(a *app.App) error {
				acct, err := accountNamed(cmd.Context(), a, as)
				if err != nil {
					return err
				}
				if err := a.SyncCatalog(cmd.Context()); err != nil {
					return err
				}
				m, err := a.MyDatasets(cmd.Context(), acct)
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
					}
					if d.StatementsProblem != "" {
						fmt.Fprintf(c.stdout, "listing %d: buyers' statements incomplete: %s\n", d.ID, d.StatementsProblem)
					}
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "seller account")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.MarkFlagRequired("as")
	return cmd
}

func newWithdrawCmd(c *cli) *cobra.Command {
	var as string
	cmd := &cobra.Command{
		Use:   "withdraw --as NAME",
		Short: "Withdraw a seller's earnings to its account",
		Args:  cobra.NoArgs,
		RunE: c.runAs(&as, nil, func(ctx context.Context, a *app.App, who app.Actor) error {
			wei, err := a.Withdraw(ctx, who)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(c.stdout, "withdrew %s ETH\n", formatEther(wei))
			return err
		}),
	}
	asFlag(cmd, &as, "seller account")
	return cmd
}

func newDelistCmd(c *cli) *cobra.Command {
	var as string
	var id uint64
	cmd := &cobra.Command{
		Use:   "delist --as NAME ID",
		Short: "Stop sales of a listing (licences sold stay valid)",
		Args:  cobra.ExactArgs(1),
		RunE: c.runAs(&as, func(args []string) (err error) {
			id, err = parseID(args[0])
			return err
		}, func(ctx context.Context, a *app.App, who app.Actor) error {
			if err := a.Delist(ctx, who, id); err != nil {
				return err
			}
			_, err := fmt.Fprintf(c.stdout, "listing %d delisted\n", id)
			return err
		}),
	}
	asFlag(cmd, &as, "seller account")
	return cmd
}

func newPriceCmd(c *cli) *cobra.Command {
	var as string
	var id uint64
	var wei *big.Int
	cmd := &cobra.Command{
		Use:   "price --as NAME ID ETH",
		Short: "Change the price of future sales of a listing",
		Args:  cobra.ExactArgs(2),
		RunE: c.runAs(&as, func(args []string) (err error) {
			if id, err = parseID(args[0]); err != nil {
				return err
			}
			wei, err = marketplace.ParseEther(args[1])
			return err
		}, func(ctx context.Context, a *app.App, who app.Actor) error {
			if err := a.SetPrice(ctx, who, id, wei); err != nil {
				return err
			}
			_, err := fmt.Fprintf(c.stdout, "listing %d now costs %s ETH\n", id, formatEther(wei))
			return err
		}),
	}
	asFlag(cmd, &as, "seller account")
	return cmd
}

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
			RunE: c.runAs(&as, func(args []string) (err error) {
				if id, err = parseID(args[0]); err != nil {
					return err
				}
				member, err = parseAddress(args[1])
				return err
			}, func(ctx context.Context, a *app.App, who app.Actor) error {
				seat, done := a.AddSeat, "added"
				if op == "remove" {
					seat, done = a.RemoveSeat, "removed"
				}
				if err := seat(ctx, who, id, member); err != nil {
					return err
				}
				_, err := fmt.Fprintf(c.stdout, "seat of %s on listing %d: %s\n", member.Hex(), id, done)
				return err
			}),
		}
		asFlag(sub, &as, "licence holder")
		cmd.AddCommand(sub)
	}
	return cmd
}

// draftOut is a draft as `drafts list --json` prints it.
type draftOut struct {
	ContentHash string `json:"content_hash"`
	Size        int64  `json:"size"`    // encrypted bytes
	Created     string `json:"created"` // RFC 3339
	Hub         string `json:"hub,omitempty"`
}

// newDraftsCmd is the CLI's side of My data's drafts: publishes whose
// listing transaction never happened (a crash, a refused transaction).
func newDraftsCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "drafts", Short: "A seller's drafts (publishes never listed): list, list again, discard"}

	var as string
	var asJSON bool
	list := &cobra.Command{
		Use:   "list --as NAME",
		Short: "List the drafts of an account",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd.Context(), func(a *app.App) error {
				seller, err := accountNamed(cmd.Context(), a, as)
				if err != nil {
					return err
				}
				ds, err := a.Drafts(cmd.Context())
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
			})
		},
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
		RunE: c.runAs(&discardAs, parseHash, func(ctx context.Context, a *app.App, who app.Actor) error {
			d, err := a.DiscardDraft(ctx, who, content)
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
		}),
	}
	asFlag(discard, &discardAs, "seller account")

	var retryAs, price, terms string
	var duration uint32
	var seats uint16
	var wei *big.Int
	var use marketplace.DUO
	retry := &cobra.Command{
		Use:   "retry --as NAME CONTENT_HASH --price ETH --terms CODES",
		Short: "List a draft (at its hub, when it went through one, without uploading again); prints the listing id",
		Args:  cobra.ExactArgs(1),
		RunE: c.runAs(&retryAs, func(args []string) (err error) {
			if err = parseHash(args); err != nil {
				return err
			}
			if wei, err = marketplace.ParseEther(price); err != nil {
				return err
			}
			use, err = marketplace.ParseDUO(terms)
			return err
		}, func(ctx context.Context, a *app.App, who app.Actor) error {
			p, err := a.RetryPublish(ctx, who, content, wei, marketplace.Terms{Use: use, DurationDays: duration, Seats: seats})
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(c.stdout, p.ListingID)
			return err
		}),
	}
	asFlag(retry, &retryAs, "seller account")
	retry.Flags().StringVar(&price, "price", "", "price of a licence in ether (decimal)")
	retry.Flags().StringVar(&terms, "terms", "", "DUO codes, e.g. HMB,NCU")
	retry.Flags().Uint32Var(&duration, "duration", 365, "licence duration in days (0: perpetual)")
	retry.Flags().Uint16Var(&seats, "seats", 0, "team members a licence holder may seat")
	retry.MarkFlagRequired("price")
	retry.MarkFlagRequired("terms")

	cmd.AddCommand(list, discard, retry)
	return cmd
}
