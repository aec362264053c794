package main

import (
	"context"
	"fmt"
	"math/big"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// formatEther prints wei in ether, as every command shows amounts.
func formatEther(wei *big.Int) string { return marketplace.FormatEther(wei) }

// newChainCmd builds `chain status`, `chain deploy` and `chain fund`.
func newChainCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "chain",
		Short: "The chain the node works on: status, contract deployment, funding on the embedded chain",
	}

	var asJSON bool
	statusCmd := &cobra.Command{
		Use:   "status",
		Short: "Show the chain, its head block, the contracts and the accounts' balances",
		Args:  cobra.NoArgs,
		RunE: c.command(action{run: func(ctx context.Context, a *app.App, _ account) error {
			st, err := a.ChainStatus(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				out := newChainStatusOut(st)
				out.BlobStore = a.BlobStore()
				return writeJSON(c, out)
			}
			w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(w, "chain\t%s\n", st.Endpoint)
			fmt.Fprintf(w, "blobs\t%s\n", a.BlobStore())
			fmt.Fprintf(w, "chain id\t%s\n", st.ChainID)
			fmt.Fprintf(w, "block\t%d\n", st.Block)
			if st.Deployment == nil {
				fmt.Fprintf(w, "contracts\tnot deployed (medmarket chain deploy --as NAME)\n")
			} else {
				for _, name := range []string{app.MarketContract, app.RegistryContract} {
					if addr, ok := st.Deployment.Contracts[name]; ok {
						fmt.Fprintf(w, "%s\t%s\n", name, addr.Hex())
					}
				}
				fmt.Fprintf(w, "deployed at block\t%d\n", st.Deployment.DeployBlock)
			}
			for _, acct := range st.Accounts {
				fmt.Fprintf(w, "account %s\t%s\t%s ETH\n", acct.Name, acct.Address.Hex(), formatEther(acct.Wei))
			}
			return w.Flush()
		}}),
	}
	statusCmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	var as string
	var force bool
	deployCmd := &cobra.Command{
		Use:   "deploy --as NAME",
		Short: "Deploy the marketplace contracts, paid by an account, and record them in the deployments file",
		Args:  cobra.NoArgs,
		RunE: c.command(action{unlock: unlockAs(&as), run: func(ctx context.Context, a *app.App, who account) error {
			d, err := a.Deploy(ctx, who.name, who.passphrase, force)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			for _, name := range []string{app.MarketContract, app.RegistryContract} {
				fmt.Fprintf(w, "%s\t%s\n", name, d.Contracts[name].Hex())
			}
			fmt.Fprintf(w, "deployed at block\t%d\n", d.DeployBlock)
			return w.Flush()
		}}),
	}
	deployCmd.Flags().StringVar(&as, "as", "", "account that pays for the deployment")
	deployCmd.Flags().BoolVar(&force, "force", false, "deploy again although the chain has a deployment recorded")
	deployCmd.MarkFlagRequired("as")

	var to string
	var wei *big.Int
	fundCmd := &cobra.Command{
		Use:   "fund NAME AMOUNT",
		Short: "Send AMOUNT ether from the embedded chain's dev account to account NAME",
		Args:  cobra.ExactArgs(2),
		RunE: c.command(action{parse: func(args []string) (err error) {
			to = args[0]
			wei, err = marketplace.ParseEther(args[1])
			return err
		}, run: func(ctx context.Context, a *app.App, _ account) error {
			bal, err := a.Fund(ctx, to, wei)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(c.stdout, "%s now has %s ETH\n", to, formatEther(bal))
			return err
		}}),
	}
	cmd.AddCommand(statusCmd, deployCmd, fundCmd)
	return cmd
}

// deploymentOut is a deployment as `chain status --json` prints it.
type deploymentOut struct {
	Contracts   map[string]string `json:"contracts"`
	DeployBlock uint64            `json:"deployBlock"`
}

// chainStatusOut is the chain as `chain status --json` prints it.
type chainStatusOut struct {
	Endpoint   string         `json:"endpoint"`
	Embedded   bool           `json:"embedded"`
	ChainID    string         `json:"chainId"`
	Block      uint64         `json:"block"`
	Deployment *deploymentOut `json:"deployment"`
	Accounts   []accountOut   `json:"accounts"`
	BlobStore  string         `json:"blobStore"` // the folder or object store holding the node's blobs
}

// newChainStatusOut is st as `chain status --json` prints it.
func newChainStatusOut(st app.ChainStatus) chainStatusOut {
	out := chainStatusOut{Endpoint: st.Endpoint, Embedded: st.Embedded, ChainID: st.ChainID.String(), Block: st.Block, Accounts: accountsOut(st.Accounts)}
	if d := st.Deployment; d != nil {
		out.Deployment = &deploymentOut{Contracts: map[string]string{}, DeployBlock: d.DeployBlock}
		for name, addr := range d.Contracts {
			out.Deployment.Contracts[name] = addr.Hex()
		}
	}
	return out
}
