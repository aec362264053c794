package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// newPoolCreateCmd builds `pool create`: a pool run by --as from this
// node as its hub.
func newPoolCreateCmd(c *cli) *cobra.Command {
	var as, name, desc, configFile, publicURL string
	var k int
	var fee uint16
	var sale saleFlags
	var pipeline *anonymize.Config
	cmd := &cobra.Command{
		Use:   "create --as OPERATOR --name NAME --config PIPELINE.yaml --k K --fee-bps BPS --price ETH --terms CODES",
		Short: "Create a patient pool run from this node as its hub; prints the pool's contract address",
		Long: `Create a patient pool: deploy its contract (the seller of its versions and the
holder of their revenue, run by --as), make the key contributions are encrypted
to, and start the pool's log with its configuration. This node is the pool's hub
(--public-url, env ` + envPublicURL + `): patients upload their contributions to it, so it
serves (medmarket serve) while they join.

--config is the pipeline each patient's node runs before anything leaves it (an
anonymize config YAML: column roles, Safe Harbor, generalization, with automatic
hierarchies and no privacy step); --k is the k-anonymity enforced over the union
of the contributions at each release; --fee-bps the operator's share of each sale
in 1/100 of a percent; --price and --terms those of each released version.`,
		Args: cobra.NoArgs,
		RunE: c.command(action{parse: func([]string) error {
			if err := sale.parse(); err != nil {
				return err
			}
			f, err := os.Open(configFile)
			if err != nil {
				return marketplace.Wrap(marketplace.EINVALID, err, "--config: cannot read %s", configFile)
			}
			defer f.Close()
			if pipeline, err = anonymize.LoadConfig(f); err != nil {
				return marketplace.Wrap(marketplace.EINVALID, err, "--config %s", configFile)
			}
			return nil
		}, unlock: unlockAs(&as), node: true, publicURL: &publicURL, run: func(ctx context.Context, a *app.App, who account) error {
			cfg, err := a.CreatePool(ctx, who.actor(), app.PoolRequest{Name: name, Description: desc, FeeBasisPoints: fee, Pipeline: pipeline,
				K: k, Price: sale.wei, Terms: sale.listingTerms()})
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stderr, "pool %q created: hub %s, operator %s, k = %d, fee %s, %s ETH a licence (%s)\n",
				cfg.Name, cfg.Hub, cfg.Operator.Hex(), cfg.K, feePercent(cfg.FeeBasisPoints), formatEther(cfg.Price), cfg.Terms)
			_, err = fmt.Fprintln(c.stdout, cfg.Contract.Hex())
			return err
		}}),
	}
	f := cmd.Flags()
	f.StringVar(&as, "as", "", "the account that runs the pool (its operator)")
	f.StringVar(&name, "name", "", "what the pool collects and for whom, shown to patients and on its versions")
	f.StringVar(&desc, "description", "", "the pool's description")
	f.StringVar(&configFile, "config", "", "the pipeline patients' nodes run before anything leaves them (anonymize config YAML)")
	f.IntVar(&k, "k", 5, "the k-anonymity enforced over the union of contributions at each release")
	f.Uint16Var(&fee, "fee-bps", 0, "the operator's share of each sale in basis points (500: 5 %)")
	sale.register(cmd)
	f.StringVar(&publicURL, "public-url", "", "this node's provider URL, the pool's hub (env "+envPublicURL+"; default http://<serve's --public-addr>/)")
	for _, n := range []string{"as", "name", "config"} {
		_ = cmd.MarkFlagRequired(n) // defined just above
	}
	return cmd
}

// feePercent renders basis points as a percentage: "5 %", "2.5 %".
func feePercent(bps uint16) string {
	return fmt.Sprintf("%g %%", float64(bps)/100)
}

// poolOut is a pool as `pool list --json` prints it.
type poolOut struct {
	Name     string `json:"name"`
	Contract string `json:"contract"`
	Operator string `json:"operator"`
	Hub      string `json:"hub"`
	FeeBPS   uint16 `json:"fee_bps"`
	K        int    `json:"k"`
	Price    string `json:"price_eth"`
	Terms    string `json:"terms"`
	Members  int    `json:"members"`
	Versions int    `json:"versions"`
	Rounds   int    `json:"rounds"`
}

// newPoolListCmd builds `pool list`: the pools a hub hosts.
func newPoolListCmd(c *cli) *cobra.Command {
	var hub string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list --hub URL",
		Short: "List the pools a hub hosts: name, contract, fee, k, members, versions",
		Args:  cobra.NoArgs,
		RunE: c.command(action{run: func(ctx context.Context, a *app.App, _ account) error {
			infos, err := a.PoolsAt(ctx, hub)
			if err != nil {
				return err
			}
			out := make([]poolOut, 0, len(infos))
			for _, p := range infos {
				cfg := p.Config
				out = append(out, poolOut{Name: cfg.Name, Contract: cfg.Contract.Hex(), Operator: cfg.Operator.Hex(), Hub: cfg.Hub, FeeBPS: cfg.FeeBasisPoints,
					K: cfg.K, Price: formatEther(cfg.Price), Terms: cfg.Terms.String(), Members: p.Members, Versions: p.Versions, Rounds: p.Rounds})
			}
			if asJSON {
				return writeJSON(c, out)
			}
			if len(out) == 0 {
				_, err := fmt.Fprintf(c.stdout, "%s hosts no pools\n", hub)
				return err
			}
			tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tCONTRACT\tFEE\tK\tPRICE ETH\tMEMBERS\tVERSIONS\tROUNDS")
			for _, p := range out {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%d\t%d\n", p.Name, p.Contract, feePercent(p.FeeBPS), p.K, p.Price, p.Members, p.Versions, p.Rounds)
			}
			return tw.Flush()
		}}),
	}
	cmd.Flags().StringVar(&hub, "hub", "", "the hub's provider URL")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	_ = cmd.MarkFlagRequired("hub") // defined just above
	return cmd
}
